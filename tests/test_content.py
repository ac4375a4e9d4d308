"""The shipped Generative-AI glossary as a member of a GenAI server meets it: complete cards, no orphans, true
synonyms only, sources on https, one voice, and the everyday vocabulary resolving straight to its card."""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

from bot.importers.seed_page import parse_page
from bot.loader import load_glossary
from bot.matching import TermIndex
from bot.model import Glossary, IndexRow
from bot.text import sentence_count
from tests.conftest import SEED, SHIPPED

GLOSSARY: Glossary = load_glossary(SHIPPED)
INDEX = TermIndex(IndexRow(n, e.term, e.aliases, e.category) for n, e in enumerate(GLOSSARY.entries))
POSITION = {e.term: n for n, e in enumerate(GLOSSARY.entries)}
BRITISH = re.compile(
    r"\b(labell(ed|ing)|modell(ed|ing)|behaviour|colour|favour|neighbour|centre|analysed?|catalogue|licence|"
    r"optimis(e|ed|es|ing|ation)|organis(e|ed|ation)|recognis(e|ed|es)|summaris(e|ed|es)|normalis(e|ed|ation)|"
    r"generalis(e|ed|ation)|tokenis(e|ed|er|ation)|utilis(e|ed|ation)|minimis(e|ed)|maximis(e|ed)|whilst|amongst)\b",
    re.IGNORECASE,
)


def related(term: str) -> list[str]:
    return [GLOSSARY.entries[r].term for r in GLOSSARY.relations[POSITION[term]]]


def texts(entry) -> str:  # type: ignore[no-untyped-def]
    faq = " ".join(f"{f.q} {f.a}" for f in entry.faq)
    return " ".join((entry.definition, entry.example, entry.why_it_matters, faq))


def test_at_least_300_terms_and_every_card_complete() -> None:
    assert len(GLOSSARY.entries) >= 300 and GLOSSARY.warnings == ()
    for entry in GLOSSARY.entries:
        assert entry.definition and entry.example and entry.why_it_matters and entry.faq, entry.term
        sentences = sentence_count(entry.definition)
        assert entry.term == "Generative AI" or 1 <= sentences <= 3, (entry.term, sentences)


def test_every_entry_is_reachable_and_the_core_pairs_link_both_ways() -> None:
    linked = {target for relations in GLOSSARY.relations for target in relations}
    assert [e.term for n, e in enumerate(GLOSSARY.entries) if n not in linked] == []
    pairs = [
        ("Large Language Model", "Reasoning Model"),
        ("Large Language Model", "Context Window"),
        ("Large Language Model", "Fine-Tuning"),
        ("KV Cache", "Multi-Head Attention"),
        ("Embedding", "Retrieval-Augmented Generation"),
        ("AI Agent", "Prompt Injection"),
        ("Diffusion Model", "Normalizing Flow"),
    ]
    for a, b in pairs:
        assert b in related(a) and a in related(b), (a, b)
    assert "Mixture of Experts" in related("Large Language Model") and "Mixture of Experts" in related("Parameters")


def test_links_are_https_well_formed_and_titled() -> None:
    links = [(e.term, link) for e in GLOSSARY.entries for link in e.see_also_links]
    assert len(links) >= 250
    for term, link in links:
        parsed = urlparse(link.url)
        assert parsed.scheme == "https" and parsed.netloc and " " not in link.url, (term, link.url)
        assert link.title, (term, link.url)
        if parsed.netloc == "arxiv.org":
            assert re.fullmatch(r"/abs/\d{4}\.\d{4,5}", parsed.path), (term, link.url)


def test_one_voice_us_english() -> None:
    found = [(e.term, m.group(0)) for e in GLOSSARY.entries for m in BRITISH.finditer(texts(e))]
    assert found == []


def test_generative_ai_keeps_the_seed_pages_content() -> None:
    (seed,) = parse_page(SEED.read_text(encoding="utf-8"), SEED.name)
    entry = GLOSSARY.entries[POSITION["Generative AI"]]

    def same(a: str, b: str) -> bool:  # the same words; line breaks in the page are not content
        return a.split() == b.split()

    assert same(entry.definition, seed.definition) and same(entry.example, seed.example)
    assert same(entry.why_it_matters, seed.why_it_matters)
    assert same(entry.faq[0].a, seed.faq[0][1]) and "GenAI" in entry.aliases


@pytest.mark.parametrize(
    ("typed", "card"),
    [
        ("RL", "Reinforcement Learning"), ("GPT", "GPT"), ("language model", "Language Model"),
        ("LM", "Language Model"), ("GRPO", "Group Relative Policy Optimization"),
        ("test-time compute", "Test-Time Compute"), ("flow matching", "Flow Matching"), ("softmax", "Softmax"),
        ("VRAM", "VRAM"), ("prompt caching", "Prompt Caching"), ("prefix caching", "Prompt Caching"),
        ("learning rate", "Learning Rate"), ("ASR", "Speech-to-Text"),
        ("RLVR", "Reinforcement Learning with Verifiable Rewards"),
        ("PPO", "Proximal Policy Optimization"), ("context engineering", "Context Engineering"),
        ("CFG", "Classifier-Free Guidance"), ("rectified flow", "Rectified Flow"), ("DiT", "Diffusion Transformer"),
        ("text-to-video", "Text-to-Video Model"), ("speech to text", "Speech-to-Text"), ("BERT", "BERT"),
        ("encoder-only model", "Encoder-Only Model"), ("CLIP", "CLIP"),
        ("contrastive learning", "Contrastive Learning"),
        ("ViT", "Vision Transformer"), ("RoPE", "Rotary Position Embedding"),
        ("positional encoding", "Positional Encoding"),
        ("FlashAttention", "FlashAttention"), ("cross-attention", "Cross-Attention"), ("optimizer", "Optimizer"),
        ("Adam", "Adam"), ("AdamW", "AdamW"), ("Muon", "Muon"), ("batch size", "Batch Size"), ("BF16", "BF16"),
        ("FP8", "FP8"), ("FP4", "FP4"), ("mixed precision", "Mixed Precision Training"), ("GGUF", "GGUF"),
        ("GPTQ", "GPTQ"), ("AWQ", "AWQ"), ("throughput", "Throughput"), ("continuous batching", "Continuous Batching"),
        ("PagedAttention", "PagedAttention"), ("computer use", "Computer Use"),
        ("multi-agent system", "Multi-Agent System"),
        ("agent memory", "Agent Memory"), ("ReAct", "ReAct"), ("hybrid search", "Hybrid Search"), ("BM25", "BM25"),
        ("GraphRAG", "GraphRAG"), ("reward hacking", "Reward Hacking"), ("sycophancy", "Sycophancy"),
        ("model collapse", "Model Collapse"), ("mech interp", "Mechanistic Interpretability"),
        ("SAE", "Sparse Autoencoder"), ("Content Credentials", "C2PA"), ("AGI", "Artificial General Intelligence"),
        ("frontier model", "Frontier Model"), ("vibe coding", "Vibe Coding"), ("inpainting", "Inpainting"),
        ("img2img", "Image-to-Image"), ("ControlNet", "ControlNet"), ("chat template", "Chat Template"),
        ("min-p", "Min-p Sampling"), ("world model", "World Model"), ("A2A", "Agent2Agent Protocol"),
        ("model merging", "Model Merging"), ("MTP", "Multi-Token Prediction"),
        ("continued pretraining", "Continued Pretraining"), ("EU AI Act", "EU AI Act"),
        ("supervised learning", "Supervised Learning"), ("chatbot", "Chatbot"), ("base model", "Base Model"),
        ("GQA", "Grouped-Query Attention"), ("MQA", "Multi-Query Attention"), ("EOS", "End-of-Sequence Token"),
        ("logprobs", "Logprobs"), ("voice cloning", "Voice Cloning"), ("draft model", "Draft Model"),
        ("cross-encoder", "Cross-Encoder"), ("dense retrieval", "Vector Search"), ("KD", "Knowledge Distillation"),
        ("developer message", "Developer Message"), ("constrained decoding", "Constrained Decoding"),
        ("PTQ", "Post-Training Quantization"), ("QAT", "Quantization-Aware Training"), ("T2I", "Text-to-Image Model"),
        ("GRU", "Gated Recurrent Unit"), ("tokens per second", "Tokens per Second"), ("LRM", "Reasoning Model"),
        ("LLMs", "Large Language Model"), ("MoE", "Mixture of Experts"), ("RAG", "Retrieval-Augmented Generation"),
        ("KV cache", "KV Cache"), ("MCP", "Model Context Protocol"), ("hallucinations", "Hallucination"),
        ("MLA", "Multi-Head Latent Attention"), ("TTFT", "Time to First Token"),
    ],
)  # fmt: skip
def test_everyday_vocabulary_resolves_straight_to_its_card(typed: str, card: str) -> None:
    found = INDEX.find(typed)
    assert [INDEX.names[t] for t in found] == [card]


@pytest.mark.parametrize(
    ("typed", "card"),
    [  # each was once an alias that claimed a false synonym; each is now its own card
        ("Base Model", "Base Model"), ("Stable Diffusion", "Stable Diffusion"),
        ("RLAIF", "Reinforcement Learning from AI Feedback"), ("Open-Source Model", "Open-Source AI"),
        ("JSON Mode", "JSON Mode"), ("LSTM", "Long Short-Term Memory"), ("Mamba", "Mamba"),
        ("DDPM", "Denoising Diffusion Probabilistic Model"), ("Accelerator", "AI Accelerator"),
        ("XAI", "Explainable AI"), ("Agentic AI", "Agentic AI"), ("Attention", "Attention"),
        ("Decoding", "Decoding"), ("FLOPs", "FLOPs"), ("SGD", "Stochastic Gradient Descent"),
    ],
)  # fmt: skip
def test_no_alias_claims_a_false_synonym(typed: str, card: str) -> None:
    assert [INDEX.names[t] for t in INDEX.find(typed)] == [card]


def test_an_acronym_with_two_meanings_is_no_ones_alias() -> None:
    assert INDEX.find("SSL") == ()  # self-supervised or semi-supervised learning: neither claims it
