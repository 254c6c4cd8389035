# expect: passed
def depth(tree):
    return 1 + max((depth(child) for child in tree), default=0)


assert depth([]) == 1
assert depth([[], [[]]]) == 3
assert depth([[[[[]]]]]) == 5
