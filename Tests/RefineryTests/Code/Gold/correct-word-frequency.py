# expect: passed
from collections import Counter


def word_frequency(text):
    return dict(Counter(word.strip(".,!?").lower() for word in text.split() if word.strip(".,!?")))


assert word_frequency("") == {}
assert word_frequency("The cat. the CAT!") == {"the": 2, "cat": 2}
assert word_frequency("a b a") == {"a": 2, "b": 1}
