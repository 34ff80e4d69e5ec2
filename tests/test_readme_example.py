from autograd import Value


def readme_expression(Value=Value):
    """micrograd's README example, run on the given Value class; returns (g, dg/da, dg/db)."""
    a, b = Value(-4.0), Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.data, a.grad, b.grad


def test_micrograd_readme_example_gives_published_numbers():
    g, a_grad, b_grad = readme_expression()
    assert round(g, 4) == 24.7041
    assert round(a_grad, 4) == 138.8338
    assert round(b_grad, 4) == 645.5773
