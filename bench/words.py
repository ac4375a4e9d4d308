"""Word lists the synthetic glossaries are built from.

Fixed lists (not a dictionary file from the machine) so that a given seed produces byte-identical glossaries on
every machine, and technical-sounding so names look like real glossary entries ("Sparse Attention Cache",
"Hypergraph", "Token Routing Policy"): realistic lengths, shared words between many names (which is what
makes autocomplete prefixes and did-you-mean neighbours crowded in a real 100k-term glossary), and compound
words that collide with their spaced form once normalised ("Hyper Graph" = "Hypergraph"), which the loader
must refuse and the generator must therefore avoid.
"""

from __future__ import annotations


def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated words (one long string keeps a few hundred words readable)."""
    return tuple(text.split())


def _phrases(text: str) -> tuple[str, ...]:
    """Phrases separated by "|" or line breaks (so long lists stay readable within the line length)."""
    return tuple(p.strip() for p in text.replace("\n", "|").split("|") if p.strip())


MODIFIERS: tuple[str, ...] = _words(
    """
    abstract active adaptive additive adjoint adversarial affine agentic aggregate aligned allocated ambient
    amortized analog anchored annealed anonymous approximate arbitrary asymmetric asynchronous atomic attentive
    augmented automatic autonomous auxiliary average backward balanced banded batched bayesian bidirectional
    binary bipartite blended blocked bounded broadcast buffered calibrated canonical capped cascaded causal
    centered chained circular clipped closed clustered coarse cold collaborative columnar compact comparative
    compiled composite compressed concurrent conditional confident conjugate consistent constant constrained
    contextual contiguous continuous contrastive convex cooperative coupled covariant critical cross cubic
    cumulative curated cyclic damped dense dependent deterministic diagonal differentiable diffuse digital
    dilated direct discrete discriminative disjoint distilled distributed diverse dominant double dual dynamic
    eager elastic embedded emergent empirical encrypted ensemble entropic episodic equivariant ergodic
    evolutionary exact explicit exponential extended external factored federated finite fixed flat
    forward fractional frozen fused gated gaussian generalized generative geometric global gradual greedy
    grouped guided hashed heuristic hidden hierarchical hybrid implicit incremental independent inductive
    inferred informed inner integral interactive interleaved internal interpolated invariant inverse isotropic
    iterative joint kernelized labeled lagged latent layered lazy learned lexical linear local logical
    low-rank masked matched maximal mean minimal mixed modal modular momentum monotonic multimodal mutual
    naive native nested neural noisy nominal nonlinear normalized offline online open optimal ordered
    orthogonal outer overlapping packed paired parallel parametric partial passive periodic persistent
    pinned pipelined planar pointwise polynomial pooled positional posterior predictive primal prior
    probabilistic progressive projected pruned quantized radial random ranked rational reactive recurrent
    recursive reduced redundant regional regularized relational relative residual resilient reversible robust
    rolling rotary safe sampled scalable scaled scheduled secure segmented selective semantic sequential
    shallow shared sharded shifted simulated single sliding smooth soft sparse spatial spectral speculative
    stable stacked static stationary statistical stochastic streaming strided structured supervised symbolic
    symmetric synchronous synthetic tabular temporal tensor tiled tokenized topological transient transparent
    triangular truncated tuned unbiased uniform universal unrolled unsupervised variable variational
    vectorized virtual visual warm weighted windowed zonal
    """
)

NOUNS: tuple[str, ...] = _words(
    """
    accelerator accumulator accuracy activation adapter agent aggregation algorithm alignment allocation
    analysis anchor annotation approximation architecture archive array assistant attention attribution
    audit augmentation autoencoder backbone backoff backpropagation balancer bandit barrier baseline batch
    benchmark bias bottleneck boundary bridge buffer cache calibration capacity caption cascade catalog
    channel checkpoint chunk circuit classifier clause cluster codebook coefficient collapse compiler
    completion compression computation concept condition connector consensus constraint context controller
    convolution corpus correlation cost coupling coverage critic crossover curriculum cursor dataset decay
    decoder decomposition deduplication density deployment depth descent detector diffusion dimension
    discriminator dispatcher distance distillation distribution divergence domain dropout dynamics edge
    embedding emulator encoder encoding energy engine ensemble entropy episode equation estimator evaluation
    evaluator exchange expansion expert explanation exploration factor factorization feature feedback filter
    fingerprint flow forecast format fragment frame function fusion gate generator gradient grammar graph
    grid guardrail hallucination handler hash head heuristic histogram horizon hypothesis index inference
    initialization injection inspector instruction interface interpolation interval inversion iterator
    kernel key label lattice layer leakage learner ledger lens library likelihood limit lineage loader
    locality lock log loop loss manifold map margin mask matrix measure memory merge mesh metric mixer
    mixture model module momentum monitor network node noise norm normalization objective observer operator
    optimizer oracle orchestrator outlier overlay packet padding parser partition patch path penalty
    perceptron permutation pipeline planner policy pool pooling posterior predictor preference prior probe
    procedure profile projection prompt protocol proxy pruning query queue ranker ratio reasoner recall
    reconstruction recovery reduction register regression regularizer relay replay replica representation
    reservoir residual resolver retriever reward rollout router sampler scaler schedule scheduler schema
    score search segment selector sensor sequence shard signal simulator sketch solver span spectrum split
    stack state step stream stride summary supervisor surrogate switch synthesis table target task template
    tensor threshold tokenizer topology trace tracker trajectory transform transformer tree trigger tuner
    unit update validator value variance vector verifier vocabulary voter walk warmup weight window workflow
    """
)

# Compound one-word names are a prefix and a root: "Hypergraph", "Autotuner", "Metalearner".
PREFIXES: tuple[str, ...] = _words(
    """
    auto bio co counter cross cyber de geo hyper info inter intra macro meta micro mono multi nano neuro
    omni over para poly post pre proto pseudo quasi re retro semi sub super tele thermo trans ultra under uni
    """
)
ROOTS: tuple[str, ...] = _words(
    """
    agent archive batch cache chain channel check class coder compiler core cube cycle data flow format
    frame gate graph grid head index kernel labeler layer learner lens link loader lock loop map mapper mesh
    node parser path planner pool port probe router sampler scale scope shard signal solver space stack
    state stream sync table tag task token tracer tuner vector view walker
    """
)

# Aliases: a word swapped for a near-synonym gives a believable second name ("Token Router" / "Token Switch").
SYNONYMS: dict[str, str] = {
    "model": "network",
    "network": "model",
    "algorithm": "method",
    "procedure": "method",
    "optimizer": "solver",
    "solver": "optimizer",
    "router": "switch",
    "switch": "router",
    "cache": "store",
    "buffer": "queue",
    "queue": "buffer",
    "estimator": "predictor",
    "predictor": "estimator",
    "encoder": "embedder",
    "classifier": "labeler",
    "metric": "measure",
    "measure": "metric",
    "pipeline": "workflow",
    "workflow": "pipeline",
    "scheduler": "planner",
    "planner": "scheduler",
    "dataset": "corpus",
    "corpus": "dataset",
    "loss": "objective",
    "objective": "loss",
    "weight": "parameter",
    "tensor": "array",
    "array": "tensor",
    "stochastic": "random",
    "random": "stochastic",
    "adaptive": "dynamic",
    "dynamic": "adaptive",
    "sparse": "thin",
    "dense": "full",
    "hidden": "latent",
    "latent": "hidden",
}

# British spellings: a classic alias ("Regularisation" for "Regularization").
BRITISH: dict[str, str] = {
    "normalization": "normalisation",
    "regularizer": "regulariser",
    "regularized": "regularised",
    "optimizer": "optimiser",
    "normalized": "normalised",
    "quantized": "quantised",
    "vectorized": "vectorised",
    "tokenized": "tokenised",
    "generalized": "generalised",
    "factorization": "factorisation",
    "initialization": "initialisation",
    "tokenizer": "tokeniser",
    "amortized": "amortised",
    "kernelized": "kernelised",
}

CATEGORIES: tuple[str, ...] = (
    "Foundations",
    "Training",
    "Inference",
    "Data",
    "Evaluation",
    "Safety",
    "Infrastructure",
    "Applications",
    "Optimization",
    "Architectures",
    "Retrieval",
    "Agents",
)

# Filler for definitions, examples and FAQ answers: common words so FTS and YAML see ordinary prose.
VERBS: tuple[str, ...] = _words(
    """
    adjusts aggregates aligns approximates balances bounds builds caches combines compresses computes
    controls converts decides decodes detects encodes estimates evaluates extends filters generates groups
    guides improves learns limits maps measures merges monitors normalizes orders predicts prunes ranks
    reduces refines removes replaces reuses routes samples scales schedules selects shares splits stabilizes
    stores summarizes tracks transforms updates validates weighs
    """
)
OBJECTS: tuple[str, ...] = _phrases(
    """
    the training data|each incoming request|the model's predictions|a batch of examples|long documents
    the hidden states|every layer's output|user prompts|the search results|noisy labels|rare tokens
    the gradient updates|a stream of events|the attention scores|candidate answers|the memory budget
    sensor readings|the evaluation set|past conversations|the loss surface|image patches|audio frames
    the vocabulary|a large corpus|the reward signal|intermediate results|feature vectors|the error rate
    """
)
PURPOSES: tuple[str, ...] = _phrases(
    """
    so that results stay reliable as the system grows|to keep latency low under heavy load
    so that smaller hardware can run it|to make outputs easier to explain to people
    without retraining the whole model|while keeping the memory footprint small
    so that errors do not compound over many steps|to reduce the cost of each request
    so that rare cases are not drowned out by common ones|to catch mistakes before they reach users
    while preserving the meaning of the original input|so that training converges faster
    """
)
CONTEXTS: tuple[str, ...] = _phrases(
    """
    a search engine|a customer support chatbot|a recommendation system|a translation service
    an image generator|a fraud detection pipeline|a code assistant|a speech recognizer|a weather model
    a medical triage tool|a robot controller|a document summarizer|a music generator|a spam filter
    """
)
