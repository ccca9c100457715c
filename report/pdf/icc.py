"""A reproducible sRGB ICC profile for the archive edition's output intent.

Little CMS (through Pillow) writes the time of creation into the profile header, so two
builds would differ; the header date is fixed here (and the profile ID, if lcms set one,
recomputed as ICC.1 specifies), so the same library version always gives the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import struct

FIXED_DATE = (2000, 1, 1, 0, 0, 0)  # ICC dateTimeNumber: year, month, day, hour, minute, second


@functools.cache
def srgb_profile() -> bytes:
    from PIL import ImageCms

    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    data[24:36] = struct.pack(">6H", *FIXED_DATE)
    if any(data[84:100]):
        probe = bytearray(data)
        probe[44:48] = probe[64:68] = bytes(4)
        probe[84:100] = bytes(16)
        data[84:100] = hashlib.md5(probe).digest()
    return bytes(data)
