"""The edition archive: every published edition of a brief, kept byte for byte.

- :mod:`.edition` reads a built edition folder (``dist/<slug>/``) and decides whether it
  is "one of ours"; it yields the catalogue record and the three files.
- :mod:`.store` keeps files content-addressed by SHA-256 (temp, fsync, rename), and each
  edition's sealed record file.
- :mod:`.catalogue` is the SQLite catalogue (WAL, one transaction per add; readers open it
  read-only); :mod:`.seal` seals each record, chained by hash, kept in the catalogue, in the
  record file and (the chain's end) in the head file, and checks the three against each other.
- :mod:`.core` joins them: add (immutable editions), list, show, verify, head.
- :mod:`.bagit_export` writes an RFC 8493 bag; :mod:`.rebuild` rebuilds from the
  archive file's attached sources and compares bytes.
- :mod:`.cli` wires ``brief archive …`` into the main CLI.

Layout of an archive folder::

    DIR/catalogue.sqlite            the catalogue (+ -wal/-shm while in use)
    DIR/catalogue.head              the sealed chain's end (see :mod:`.seal`)
    DIR/objects/ab/cdef….pdf        stored files, named by their SHA-256
    DIR/records/000001.json         each edition's sealed record, by its place in the chain
    DIR/tmp/                        files being written (left over only after a crash)
"""

from pathlib import Path

DEFAULT_DIR = Path("archive")
