# expect: passed
class Vector:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __add__(self, other):
        return Vector(self.x + other.x, self.y + other.y)

    def __eq__(self, other):
        return isinstance(other, Vector) and (self.x, self.y) == (other.x, other.y)


assert Vector(1, 2) + Vector(3, 4) == Vector(4, 6)
assert Vector(0, 0) == Vector(0, 0)
assert Vector(1, 2) != Vector(2, 1)
assert (Vector(1, 1) + Vector(1, 1)).x == 2
