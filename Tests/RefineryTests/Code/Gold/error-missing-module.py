# expect: runtime_error
# detail: ModuleNotFoundError
import numpy_but_not_installed as np


def mean(values):
    return float(np.mean(values))


assert mean([1, 2]) == 1.5
assert mean([0]) == 0
assert mean([2, 2]) == 2
