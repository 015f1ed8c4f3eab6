"""Rendering: screens (image + voice + word timings) become an MP4 with captions."""
