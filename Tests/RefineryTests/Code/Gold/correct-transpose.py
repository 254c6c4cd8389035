# expect: passed
def transpose(matrix):
    return [list(row) for row in zip(*matrix)]


assert transpose([]) == []
assert transpose([[1, 2, 3]]) == [[1], [2], [3]]
assert transpose([[1, 2], [3, 4]]) == [[1, 3], [2, 4]]
