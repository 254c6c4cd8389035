# expect: syntax_error
# detail: IndentationError
def square(x):
    y = x * x
      return y


assert square(2) == 4
assert square(3) == 9
assert square(4) == 16
