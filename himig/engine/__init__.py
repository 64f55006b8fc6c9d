"""Himig's built-in music engine: framework-free, never imports Django.

It composes symbolically (form, harmony, melody, grooves per genre and mood) and
renders with sampled instruments from a General MIDI SoundFont plus DSP synth
voices, then mixes and masters to −14 LUFS. It is not a neural audio model.
"""

__version__ = "0.1.0"
