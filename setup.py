"""Builds the compiled scan core: engine/features.py through Cython 3 in pure-Python mode (types in
engine/features.pxd). The .py file stays the source and the fallback: without Cython or a C compiler the
install goes on in pure Python, with a warning, and gives the same results, only slower.

    python setup.py build_ext --inplace     # in a source tree: tests and `python -m engine.cli` use the build
"""
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

COMPILED = ["engine/features.py"]
DIRECTIVES = {"language_level": 3, "annotation_typing": False}   # types come from the .pxd only


def _warn(why: str) -> None:
    print(f"WARNING: policylint's scan core is not compiled ({why}); it runs as pure Python "
          f"(same results, slower).", file=sys.stderr)


def _extensions():
    try:
        from Cython.Build import cythonize
    except ImportError:
        _warn("Cython is not installed")
        return []
    try:
        return cythonize(COMPILED, compiler_directives=DIRECTIVES, quiet=True)
    except Exception as e:   # a Cython error must not break the install
        _warn(f"Cython failed: {e}")
        return []


class OptionalBuildExt(build_ext):
    """A failed compilation (no compiler, no Python headers) leaves the pure-Python module in place."""

    def run(self):
        try:
            super().run()
        except Exception as e:
            _warn(f"build_ext failed: {e}")

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as e:
            _warn(f"{ext.name} did not compile: {e}")


setup(ext_modules=_extensions(), cmdclass={"build_ext": OptionalBuildExt})
