# expect: syntax_error
# detail: SyntaxError
def square(x):
    return x * x


assert square(2) == 4
assert square(3 == 9
assert square(4) == 16
