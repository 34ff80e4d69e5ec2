from helpers import readme_expression


def test_micrograd_readme_example_gives_published_numbers():
    g, a_grad, b_grad = readme_expression()
    assert round(g, 4) == 24.7041
    assert round(a_grad, 4) == 138.8338
    assert round(b_grad, 4) == 645.5773
