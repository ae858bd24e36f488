# Types for the compiled scan core (Cython 3, pure-Python mode): engine/features.py stays the source and runs
# unchanged without Cython; this file only adds C types to its hot loops. setup.py builds it
# (`python setup.py build_ext --inplace`); the results are the same either way (tests/test_compiled_scan.py).
import cython


@cython.locals(stop=Py_ssize_t, e=Py_ssize_t, length=Py_ssize_t, lo=Py_ssize_t, hi=Py_ssize_t, s=Py_ssize_t,
               d=Py_ssize_t, le=Py_ssize_t, i=Py_ssize_t, nl=Py_ssize_t, ok=bint, lookahead=bint,
               by_value=dict, present=set, cands=dict, line_cache=dict, c=list, out=list, starts=list,
               got=list, spans=list, sp=tuple)
cpdef dict hits(text, rs, Py_ssize_t start=*, end=*)

cpdef bint _all_present(needs, set present)

@cython.locals(i=Py_ssize_t, out=list)
cpdef list _newlines(text, Py_ssize_t start, Py_ssize_t end)

@cython.locals(lines=set, got=set, mine=set)
cpdef set _need_lines(p, Py_ssize_t n, dict by_value, list newlines, dict cache)

@cython.locals(i=Py_ssize_t, last=Py_ssize_t, e=Py_ssize_t, out=set, sp=tuple)
cpdef set _lines_of(list spans, list newlines)

@cython.locals(out=list, sp=tuple)
cpdef list _run_lines(text, Py_ssize_t n, lines, newlines, rs, p)

@cython.locals(i=Py_ssize_t, per=dict, got=list, lst=list, sp=tuple, spans=list)
cpdef dict _place(dict by_value, list vmask, list starts, list ends)

@cython.locals(as_=Py_ssize_t, ae=Py_ssize_t, bs=Py_ssize_t, be=Py_ssize_t)
cpdef tuple order_span(a, b, within)

@cython.locals(as_=Py_ssize_t, ae=Py_ssize_t, bs=Py_ssize_t, be=Py_ssize_t, gap=Py_ssize_t)
cpdef tuple near_span(a, b, Py_ssize_t n)

@cython.locals(occ=dict, got=list, sp=tuple, h=tuple, keys=list)
cpdef dict unit_occ(rs, scope, uhits)
