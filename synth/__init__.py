"""Synthetic telecom hotline calls with ground truth (tests, demo, benchmarks).

`synth.scenarios.build_scenarios` gives text-only calls instantly; `synth.render.render_call`
turns one into 8 kHz telephone audio with espeak-ng; `synth.truth.to_call_document` turns truth
into a `hotline.document.CallDocument`. No import-time side effects.
"""
