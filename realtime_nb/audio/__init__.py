"""Audio for the Realtime API: clips, loading and resampling, PCM16 and G.711.

* :class:`Audio`: an immutable PCM16 mono clip (slicing by ms, joining, WAV,
  G.711, a player in notebooks).
* :func:`load_audio`: files, bytes and arrays of any rate and channel count, as
  a 24 kHz mono clip.
* :mod:`~realtime_nb.audio.pcm` and :mod:`~realtime_nb.audio.g711`: the wire's
  sample formats, with no resampling (the builders use them).

No I/O to the service here: the session sends what these produce.
"""

from .clip import G711_RATE, Audio
from .loading import AudioSource, load_audio
from .pcm import PCM_BYTES_PER_MS, PCM_RATE

__all__ = ["Audio", "load_audio", "AudioSource", "PCM_RATE", "PCM_BYTES_PER_MS", "G711_RATE"]
