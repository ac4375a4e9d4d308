"""Faults the test injects: REST error rules (:mod:`.rest`) and gateway levers (:mod:`.gateway`)."""

from .gateway import GatewayFaults
from .rest import FaultInjector, FaultRule, RequestInfo, rate_limit_response

__all__ = ["FaultInjector", "FaultRule", "GatewayFaults", "RequestInfo", "rate_limit_response"]
