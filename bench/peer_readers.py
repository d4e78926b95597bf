"""Reads WARC files with a peer tool and prints {"records": n, "seconds": t}.

usage: python peer_readers.py fastwarc|warcio FILE...
Every record is read through and its WARC-Block-Digest checked where present.
The time excludes interpreter start-up and imports. Run with the Python of the
virtual environment that holds the tool (bench/warc_index_bench.sh does).
"""
import json
import sys
import time


def fastwarc_records(files):
    import fastwarc
    from fastwarc.warc import ArchiveIterator
    from importlib.metadata import version as dist_version
    version = dist_version("fastwarc")
    n = 0
    if hasattr(fastwarc, "stream_io") and hasattr(fastwarc.stream_io, "FileStream"):
        # FastWARC 0.x (Cython)
        from fastwarc.stream_io import FileStream, GZipStream
        for f in files:
            for rec in ArchiveIterator(GZipStream(FileStream(f, "rb")), parse_http=False):
                rec.verify_block_digest(consume=True)
                n += 1
    else:
        # FastWARC 2.x (Rust)
        for f in files:
            for rec in ArchiveIterator(f, parse_http=False, fsspec_args=False):
                if rec.headers.get("WARC-Block-Digest"):
                    rec.verify_block_digest()
                n += 1
    return n, version


def warcio_records(files):
    import warcio
    from warcio.archiveiterator import ArchiveIterator
    n = 0
    for f in files:
        with open(f, "rb") as fh:
            for rec in ArchiveIterator(fh, check_digests=True):
                rec.raw_stream.read()
                n += 1
    from importlib.metadata import version as dist_version
    return n, dist_version("warcio")


def main():
    tool, files = sys.argv[1], sys.argv[2:]
    fn = {"fastwarc": fastwarc_records, "warcio": warcio_records}[tool]
    if tool == "fastwarc":
        import fastwarc.warc  # noqa: F401  (import before timing)
        try:
            import fastwarc.stream_io  # noqa: F401
        except ImportError:
            pass
    else:
        import warcio.archiveiterator  # noqa: F401
    t0 = time.perf_counter()
    n, version = fn(files)
    print(json.dumps({"records": n, "seconds": time.perf_counter() - t0, "version": version}))


if __name__ == "__main__":
    main()
