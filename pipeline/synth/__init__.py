"""`frieval synth`: a synthetic registry extract set in the data contract, with planted effects.

See docs/synthetic-data.md. Entry point: generate(out_dir, persons, seed, file_format, progress)."""

from .generator import GENERATOR_VERSION, SynthSummary, generate

__all__ = ["generate", "SynthSummary", "GENERATOR_VERSION"]
