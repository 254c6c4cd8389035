"""Small Python tasks grounded in a passage: a task paragraph, a solution function and assert tests.

Expected values in the tests are computed by running the solution, so every task is correct by construction
(`run_tests` re-runs the whole program). A family function takes (ctx, hard) and returns a `Spec`; `hard` asks for
the family's harder variant, used by the evolve/code examples.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from passages import Facts, NAMES, WORDS, SHOP_ITEMS, FILE_EXTS, FILE_STEMS


@dataclass
class Spec:
    name: str
    task: str
    solution: str
    calls: list[str]
    instruction: str = ""
    tests: list[str] = field(default_factory=list)

    def tests_text(self) -> str:
        return "\n".join(self.tests)

    def completion(self) -> str:
        return (f"{self.task}\n\nSolution:\n```python\n{self.solution}\n```\n\nTests:\n```python\n"
                f"{self.tests_text()}\n```")


def _exec(solution: str) -> dict:
    ns: dict = {}
    exec(compile(solution, "<solution>", "exec"), ns)
    return ns


def finalize(spec: Spec) -> Spec:
    """Computes the expected values by running the solution and writes the assert lines."""
    if len(spec.calls) < 3:
        raise ValueError(f"{spec.name}: fewer than three distinct tests")
    ns = _exec(spec.solution)
    tests = []
    for call in spec.calls:
        val = eval(f"{spec.name}({call})", ns)
        tests.append(f"assert {spec.name}({call}) == {val!r}")
    spec.tests = tests
    ok, why = run_tests(spec.solution, spec.tests_text())
    if not ok:
        raise ValueError(f"{spec.name}: {why}")
    return spec


def run_tests(solution: str, tests: str) -> tuple[bool, str]:
    """Runs solution then each assert line in-process; returns (passed, first failure message)."""
    try:
        ns = _exec(solution)
    except Exception as e:  # noqa: BLE001 - any error in generated code is a failure
        return False, f"the solution raised {type(e).__name__}"
    for line in tests.split("\n"):
        if not line.strip():
            continue
        try:
            exec(line, ns)
        except AssertionError:
            return False, f"{line} failed"
        except Exception as e:  # noqa: BLE001
            return False, f"{line} raised {type(e).__name__}"
    return True, "ok"


class Ctx:
    def __init__(self, rng: random.Random, f: Facts):
        self.r, self.f = rng, f

    def ints(self, k: int, lo: int = 1, hi: int = 20) -> list[int]:
        pool = [t.price for t in self.f.things if t.price] + [t.count for t in self.f.things] + self.f.nums
        pool = [v for v in pool if lo <= v <= hi]
        self.r.shuffle(pool)
        out = pool[:k]
        while len(out) < k:
            out.append(self.r.randint(lo, min(hi, 12)))
        return out

    def rand_ints(self, k: int, lo: int = 1, hi: int = 12) -> list[int]:
        return [self.r.randint(lo, hi) for _ in range(k)]

    def words(self, k: int) -> list[str]:
        ws = [w for w in self.f.words if w.isalpha() and w.islower()]
        self.r.shuffle(ws)
        out = ws[:k]
        while len(out) < k:
            w = self.r.choice(WORDS)
            if w not in out:
                out.append(w)
        return out

    def names(self, k: int) -> list[str]:
        ns = [n for n in [self.f.person] + self.f.others if n.isalpha() and n[0].isupper()]
        out = ns[:k]
        while len(out) < k:
            n = self.r.choice(NAMES)
            if n not in out:
                out.append(n)
        return out

    def sentence(self) -> str:
        if self.f.phrase:
            return self.f.phrase
        return " ".join(self.words(self.r.randint(3, 5)))

    def item(self) -> str:
        its = [t.sing for t in self.f.things if t.sing.isalpha() and t.sing.islower()]
        return self.r.choice(its) if its else self.r.choice(SHOP_ITEMS)[0].split()[-1]

    def intro(self) -> str:
        f = self.f
        p = f.person
        return {
            "shopping": f"{p} keeps track of purchases at {f.place}.",
            "market": f"{p} sells produce at a market stall.",
            "inventory": f"{p} counts the stock at {f.place}.",
            "records": f"{p} keeps a log of daily values.",
            "weather": f"A weather report lists the daily temperatures in {f.place}.",
            "library": f"The library records how many books are lent each day.",
            "sports": f"{p} tracks the scores of the {f.place}.",
            "school": f"{p} wants to look at test marks.",
            "files": f"{p} organizes the files in a project folder.",
            "words": f"{p} practices words for a spelling bee.",
            "text": f"{p} plays with the words of a short note.",
            "club": f"The {f.place} keeps a list of its members.",
            "recipe": f"{p} is working with a recipe for {f.place}.",
            "garden": f"{p} plans the plants in a garden.",
            "farm": f"{p} keeps records for a small farm.",
            "savings": f"{p} is saving money for a {f.place}.",
            "fundraiser": f"{p} helps count the money from a bake sale.",
            "travel": f"{p} plans a trip to {f.place}.",
            "timetable": f"{p} reads a bus timetable.",
            "reading": f"{p} tracks reading progress in a book.",
        }.get(f.topic, f"{p} writes a small program.")


def L(xs) -> str:
    return repr(list(xs))


# ---- families --------------------------------------------------------------------------------------------------

def total(c: Ctx, hard: bool) -> Spec:
    v = c.ints(c.r.randint(3, 4))
    if not hard:
        sol = "def total(values):\n    result = 0\n    for v in values:\n        result += v\n    return result"
        task = f"{c.intro()} Write a function total(values) that takes a list of numbers and returns their sum."
        calls = [L(v), L(c.rand_ints(3)), L(c.rand_ints(2)), "[]"]
        return Spec("total", task, sol, calls)
    lim = c.r.randint(3, 8)
    sol = ("def total_above(values, limit):\n    result = 0\n    for v in values:\n        if v > limit:\n"
           "            result += v\n    return result")
    task = (f"{c.intro()} Write a function total_above(values, limit) that returns the sum of the numbers in values "
            f"that are greater than limit.")
    calls = [f"{L(v)}, {lim}", f"{L(c.rand_ints(4))}, {c.r.randint(3, 8)}", f"{L(c.rand_ints(3))}, 20"]
    return Spec("total_above", task, sol, calls, "add a limit so that only larger numbers are counted")


def count_above(c: Ctx, hard: bool) -> Spec:
    v = c.ints(4)
    lim = c.r.randint(3, 10)
    if not hard:
        sol = ("def count_above(values, limit):\n    count = 0\n    for v in values:\n        if v > limit:\n"
               "            count += 1\n    return count")
        task = (f"{c.intro()} Write a function count_above(values, limit) that returns how many numbers in values "
                f"are greater than limit.")
        return Spec("count_above", task, sol, [f"{L(v)}, {lim}", f"{L(c.rand_ints(5))}, 5", f"[], {lim}"])
    sol = ("def count_between(values, low, high):\n    count = 0\n    for v in values:\n        if low <= v <= high:\n"
           "            count += 1\n    return count")
    task = (f"{c.intro()} Write a function count_between(values, low, high) that returns how many numbers in values "
            f"are between low and high, both included.")
    return Spec("count_between", task, sol, [f"{L(v)}, 3, {lim + 2}", f"{L(c.rand_ints(5))}, 4, 8", "[], 1, 5"],
                "count only the numbers inside a range")


def filter_above(c: Ctx, hard: bool) -> Spec:
    v = c.ints(4)
    lim = c.r.randint(3, 9)
    if not hard:
        sol = "def keep_above(values, limit):\n    return [v for v in values if v > limit]"
        task = (f"{c.intro()} Write a function keep_above(values, limit) that returns a new list with only the "
                f"numbers greater than limit, in their original order.")
        return Spec("keep_above", task, sol, [f"{L(v)}, {lim}", f"{L(c.rand_ints(5))}, 6", f"[], {lim}"])
    sol = "def keep_above_sorted(values, limit):\n    return sorted(v for v in values if v > limit)"
    task = (f"{c.intro()} Write a function keep_above_sorted(values, limit) that returns the numbers greater than "
            f"limit, sorted from smallest to largest.")
    return Spec("keep_above_sorted", task, sol, [f"{L(v)}, {lim}", f"{L(c.rand_ints(5))}, 4", "[3, 1, 2], 0"],
                "return the result sorted")


def largest(c: Ctx, hard: bool) -> Spec:
    v = c.ints(4)
    if not hard:
        sol = ("def largest(values):\n    best = values[0]\n    for v in values[1:]:\n        if v > best:\n"
               "            best = v\n    return best")
        task = (f"{c.intro()} Write a function largest(values) that returns the largest number in a non-empty list "
                f"without using max.")
        return Spec("largest", task, sol, [L(v), L(c.rand_ints(3)), L(c.rand_ints(5)), "[7]"])
    sol = ("def largest_or_none(values):\n    if not values:\n        return None\n    best = values[0]\n"
           "    for v in values[1:]:\n        if v > best:\n            best = v\n    return best")
    task = (f"{c.intro()} Write a function largest_or_none(values) that returns the largest number in the list, or "
            f"None when the list is empty.")
    return Spec("largest_or_none", task, sol, [L(v), "[]", L(c.rand_ints(3))], "handle an empty list")


def smallest(c: Ctx, hard: bool) -> Spec:
    v = c.ints(4)
    if not hard:
        sol = "def smallest(values):\n    return min(values)"
        task = f"{c.intro()} Write a function smallest(values) that returns the smallest number in a non-empty list."
        return Spec("smallest", task, sol, [L(v), L(c.rand_ints(3)), "[5]"])
    sol = ("def smallest_position(values):\n    best = 0\n    for i in range(1, len(values)):\n"
           "        if values[i] < values[best]:\n            best = i\n    return best")
    task = (f"{c.intro()} Write a function smallest_position(values) that returns the index of the smallest number "
            f"in a non-empty list (the first one if there are ties).")
    return Spec("smallest_position", task, sol, [L(v), L(c.rand_ints(4)), "[5]"], "return the position instead")


def average(c: Ctx, hard: bool) -> Spec:
    v = c.ints(4)
    if not hard:
        sol = "def average(values):\n    return sum(values) / len(values)"
        task = (f"{c.intro()} Write a function average(values) that returns the average of a non-empty list of "
                f"numbers.")
        return Spec("average", task, sol, [L(v), L(c.rand_ints(2)), "[4, 4, 4]"])
    sol = "def average_or_zero(values):\n    if not values:\n        return 0\n    return sum(values) / len(values)"
    task = (f"{c.intro()} Write a function average_or_zero(values) that returns the average of the numbers, or 0 "
            f"for an empty list.")
    return Spec("average_or_zero", task, sol, [L(v), "[]", L(c.rand_ints(2))], "handle an empty list")


def reverse_word(c: Ctx, hard: bool) -> Spec:
    w = c.words(3)
    if not hard:
        sol = "def reverse_word(word):\n    return word[::-1]"
        task = f"{c.intro()} Write a function reverse_word(word) that returns the word spelled backwards."
        return Spec("reverse_word", task, sol, [repr(x) for x in w] + ["''"])
    sol = "def reverse_each(sentence):\n    return ' '.join(w[::-1] for w in sentence.split())"
    task = (f"{c.intro()} Write a function reverse_each(sentence) that reverses every word of the sentence but keeps "
            f"the words in order, separated by single spaces.")
    return Spec("reverse_each", task, sol, [repr(c.sentence()), repr(" ".join(w[:2])), "''"],
                "work on a whole sentence")


def count_vowels(c: Ctx, hard: bool) -> Spec:
    w = c.words(3)
    if not hard:
        sol = ("def count_vowels(word):\n    count = 0\n    for ch in word:\n        if ch in 'aeiou':\n"
               "            count += 1\n    return count")
        task = (f"{c.intro()} Write a function count_vowels(word) that returns how many of the letters a, e, i, o, u "
                f"the lowercase word contains.")
        return Spec("count_vowels", task, sol, [repr(x) for x in w] + ["'xyz'"])
    sol = ("def count_vowels_any_case(text):\n    count = 0\n    for ch in text.lower():\n        if ch in 'aeiou':\n"
           "            count += 1\n    return count")
    task = (f"{c.intro()} Write a function count_vowels_any_case(text) that counts the vowels a, e, i, o, u in the "
            f"text, upper or lower case.")
    return Spec("count_vowels_any_case", task, sol, [repr(c.names(1)[0]), repr(w[0].upper()), repr(c.sentence())],
                "ignore upper and lower case")


def word_count(c: Ctx, hard: bool) -> Spec:
    s = c.sentence()
    if not hard:
        sol = "def word_count(text):\n    return len(text.split())"
        task = f"{c.intro()} Write a function word_count(text) that returns the number of words in the text."
        return Spec("word_count", task, sol, [repr(s), repr(" ".join(c.words(2))), "''"])
    n = c.r.randint(3, 5)
    sol = "def count_long_words(text, n):\n    return len([w for w in text.split() if len(w) > n])"
    task = (f"{c.intro()} Write a function count_long_words(text, n) that returns how many words in the text have "
            f"more than n letters.")
    return Spec("count_long_words", task, sol, [f"{s!r}, {n}", f"{' '.join(c.words(3))!r}, 5", "'', 2"],
                "add a parameter for the word length")


def price_lookup(c: Ctx, hard: bool) -> Spec:
    items = [t for t in c.f.things if t.price and t.sing.isalpha()][:3]
    d = {t.sing: t.price for t in items}
    while len(d) < 3:
        s, _, lo, hi = c.r.choice(SHOP_ITEMS)
        d.setdefault(s.split()[-1], c.r.randint(lo, min(hi, 12)))
    keys = list(d)
    if not hard:
        sol = "def price_of(prices, item):\n    return prices.get(item, 0)"
        task = (f"{c.intro()} Write a function price_of(prices, item) that looks up the item in the dictionary of "
                f"prices and returns 0 if it is missing.")
        return Spec("price_of", task, sol, [f"{d!r}, {keys[0]!r}", f"{d!r}, {keys[2]!r}", f"{d!r}, 'spoon'"])
    q = {keys[0]: c.r.randint(1, 4), keys[1]: c.r.randint(1, 3)}
    sol = ("def order_cost(prices, order):\n    cost = 0\n    for item, qty in order.items():\n"
           "        cost += prices[item] * qty\n    return cost")
    task = (f"{c.intro()} Write a function order_cost(prices, order) where prices maps items to prices and order "
            f"maps items to quantities; it returns the total cost of the order.")
    return Spec("order_cost", task, sol, [f"{d!r}, {q!r}", f"{d!r}, {{}}", f"{d!r}, {{{keys[2]!r}: 2}}"],
                "compute the cost of a whole order")


def running_totals(c: Ctx, hard: bool) -> Spec:
    v = c.ints(4, hi=15)
    if not hard:
        sol = ("def running_totals(values):\n    result = []\n    total = 0\n    for v in values:\n        total += v\n"
               "        result.append(total)\n    return result")
        task = (f"{c.intro()} Write a function running_totals(values) that returns a list where each entry is the "
                f"sum of the values up to that point.")
        return Spec("running_totals", task, sol, [L(v), L(c.rand_ints(3)), "[]"])
    sol = ("def running_max(values):\n    result = []\n    best = None\n    for v in values:\n"
           "        if best is None or v > best:\n            best = v\n        result.append(best)\n    return result")
    task = (f"{c.intro()} Write a function running_max(values) that returns a list where each entry is the largest "
            f"value seen so far.")
    return Spec("running_max", task, sol, [L(v), L(c.rand_ints(4)), "[]"], "track the largest value so far")


def describe(c: Ctx, hard: bool) -> Spec:
    n = c.names(2)
    it = c.item()
    if not hard:
        sol = "def describe(name, count, item):\n    return f'{name} has {count} {item}'"
        task = (f"{c.intro()} Write a function describe(name, count, item) that returns a sentence like "
                f"'{n[0]} has 3 {it}'.")
        return Spec("describe", task, sol, [f"{n[0]!r}, {c.ints(1)[0]}, {it!r}", f"{n[1]!r}, 2, 'cats'",
                                            f"'Ann', 0, 'hats'"])
    sol = ("def describe_plural(name, count, item):\n    if count == 1:\n        return f'{name} has 1 {item}'\n"
           "    return f'{name} has {count} {item}s'")
    task = (f"{c.intro()} Write a function describe_plural(name, count, item) that returns '{n[0]} has 1 {it}' for "
            f"one item and adds an s to the item otherwise, as in '{n[0]} has 2 {it}s'.")
    return Spec("describe_plural", task, sol, [f"{n[0]!r}, 1, {it!r}", f"{n[1]!r}, {c.r.randint(2, 9)}, {it!r}",
                                               "'Ann', 0, 'hat'"], "handle singular and plural")


def initials(c: Ctx, hard: bool) -> Spec:
    n = c.names(3)
    if not hard:
        sol = "def initials(names):\n    return ''.join(name[0] for name in names)"
        task = (f"{c.intro()} Write a function initials(names) that returns a string made of the first letter of "
                f"each name in the list.")
        return Spec("initials", task, sol, [L(n), L(n[:2]), "[]"])
    sol = "def initials_dotted(names):\n    return ''.join(name[0] + '.' for name in names)"
    task = (f"{c.intro()} Write a function initials_dotted(names) that returns the first letter of each name followed "
            f"by a dot, all joined together.")
    return Spec("initials_dotted", task, sol, [L(n), L(n[:1]), "[]"], "add a dot after each letter")


def longest_word(c: Ctx, hard: bool) -> Spec:
    w = c.words(4)
    if not hard:
        sol = ("def longest_word(words):\n    best = ''\n    for w in words:\n        if len(w) > len(best):\n"
               "            best = w\n    return best")
        task = (f"{c.intro()} Write a function longest_word(words) that returns the longest word in the list (the "
                f"first one if there is a tie), or an empty string for an empty list.")
        return Spec("longest_word", task, sol, [L(w), L(w[:2]), "[]"])
    sol = "def word_lengths(words):\n    return {w: len(w) for w in words}"
    task = (f"{c.intro()} Write a function word_lengths(words) that returns a dictionary mapping each word to its "
            f"number of letters.")
    return Spec("word_lengths", task, sol, [L(w[:3]), L(w[3:]), "[]"], "return the length of every word")


def count_word(c: Ctx, hard: bool) -> Spec:
    w = c.words(3)
    lst = [c.r.choice(w) for _ in range(5)]
    if not hard:
        sol = ("def count_word(words, target):\n    count = 0\n    for w in words:\n        if w == target:\n"
               "            count += 1\n    return count")
        task = (f"{c.intro()} Write a function count_word(words, target) that returns how many times target appears "
                f"in the list of words.")
        return Spec("count_word", task, sol, [f"{L(lst)}, {w[0]!r}", f"{L(lst)}, 'zebra'", f"[], {w[1]!r}"])
    sol = "def word_counts(words):\n    counts = {}\n    for w in words:\n        counts[w] = counts.get(w, 0) + 1\n    return counts"
    task = (f"{c.intro()} Write a function word_counts(words) that returns a dictionary mapping each word to the "
            f"number of times it appears in the list.")
    return Spec("word_counts", task, sol, [L(lst), L(lst[:2]), "[]"], "count every word at once")


def divisible(c: Ctx, hard: bool) -> Spec:
    k = c.r.choice([2, 3, 5])
    v = c.ints(4)
    if not hard:
        sol = "def is_divisible(n, k):\n    return n % k == 0"
        task = (f"{c.intro()} Write a function is_divisible(n, k) that returns True when n can be split into k equal "
                f"whole parts and False otherwise.")
        return Spec("is_divisible", task, sol, [f"{v[0]}, {k}", f"{v[1]}, {k}", f"{k * 3}, {k}", "7, 2"])
    sol = "def divisible_only(values, k):\n    return [v for v in values if v % k == 0]"
    task = (f"{c.intro()} Write a function divisible_only(values, k) that returns the numbers from the list that are "
            f"divisible by k.")
    return Spec("divisible_only", task, sol, [f"{L(v)}, {k}", f"{L(c.rand_ints(4))}, 2", "[], 3"],
                "work on a whole list")


def scale_all(c: Ctx, hard: bool) -> Spec:
    v = c.ints(3, hi=12)
    if not hard:
        sol = "def double_all(values):\n    return [v * 2 for v in values]"
        task = f"{c.intro()} Write a function double_all(values) that returns a new list with every number doubled."
        return Spec("double_all", task, sol, [L(v), L(c.rand_ints(2)), "[]"])
    sol = "def scale_all(values, factor):\n    return [v * factor for v in values]"
    task = (f"{c.intro()} Write a function scale_all(values, factor) that returns a new list with every number "
            f"multiplied by factor.")
    return Spec("scale_all", task, sol, [f"{L(v)}, 3", f"{L(c.rand_ints(2))}, {c.r.randint(2, 5)}", "[], 4"],
                "add a parameter for the factor")


def unique(c: Ctx, hard: bool) -> Spec:
    v = c.ints(3, hi=9)
    lst = v + [c.r.choice(v)]
    c.r.shuffle(lst)
    if not hard:
        sol = ("def unique(values):\n    seen = []\n    for v in values:\n        if v not in seen:\n"
               "            seen.append(v)\n    return seen")
        task = (f"{c.intro()} Write a function unique(values) that returns the values without repeats, keeping the "
                f"first time each one appears.")
        return Spec("unique", task, sol, [L(lst), "[1, 1, 1]", "[]"])
    sol = "def count_unique(values):\n    return len(set(values))"
    task = f"{c.intro()} Write a function count_unique(values) that returns how many different values the list has."
    return Spec("count_unique", task, sol, [L(lst), "[1, 1, 1]", "[]"], "return only how many there are")


def join_names(c: Ctx, hard: bool) -> Spec:
    n = c.names(3)
    if not hard:
        sol = "def join_names(names):\n    return ', '.join(names)"
        task = (f"{c.intro()} Write a function join_names(names) that returns the names joined by a comma and a "
                f"space.")
        return Spec("join_names", task, sol, [L(n), L(n[:1]), "[]"])
    sol = ("def list_names(names):\n    if len(names) <= 1:\n        return ''.join(names)\n"
           "    return ', '.join(names[:-1]) + ' and ' + names[-1]")
    task = (f"{c.intro()} Write a function list_names(names) that joins the names with commas and puts 'and' before "
            f"the last one, as in '{n[0]}, {n[1]} and {n[2]}'.")
    return Spec("list_names", task, sol, [L(n), L(n[:2]), L(n[:1])], "use 'and' before the last name")


def percent_of(c: Ctx, hard: bool) -> Spec:
    p = c.r.choice([10, 20, 25, 50])
    a = c.r.randint(1, 9) * 20
    if not hard:
        sol = "def percent_of(amount, percent):\n    return amount * percent // 100"
        task = (f"{c.intro()} Write a function percent_of(amount, percent) that returns percent percent of the whole "
                f"number amount, rounded down.")
        return Spec("percent_of", task, sol, [f"{a}, {p}", "200, 10", "50, 50"])
    sol = "def sale_price(price, percent):\n    return price - price * percent // 100"
    task = (f"{c.intro()} Write a function sale_price(price, percent) that returns the price after a discount of "
            f"percent percent, rounded down to whole dollars for the discount.")
    return Spec("sale_price", task, sol, [f"{a}, {p}", "100, 25", "40, 0"], "return the price after the discount")


def minutes_hm(c: Ctx, hard: bool) -> Spec:
    m = c.r.randint(30, 200)
    if not hard:
        sol = "def to_hours(minutes):\n    return f'{minutes // 60}:{minutes % 60:02d}'"
        task = (f"{c.intro()} Write a function to_hours(minutes) that turns a number of minutes into a string "
                f"hours:minutes with two digits for the minutes.")
        return Spec("to_hours", task, sol, [str(m), "60", "5"])
    sol = ("def add_minutes(hour, minute, extra):\n    total = hour * 60 + minute + extra\n"
           "    return f'{total // 60}:{total % 60:02d}'")
    task = (f"{c.intro()} Write a function add_minutes(hour, minute, extra) that returns the clock time hours:minutes "
            f"after adding extra minutes to hour:minute.")
    return Spec("add_minutes", task, sol, [f"{c.r.randint(6, 10)}, 15, {m}", "9, 0, 30", "8, 50, 20"],
                "start from a clock time")


def extension(c: Ctx, hard: bool) -> Spec:
    files = [w for w in c.f.words if "." in w] or [f"{c.r.choice(FILE_STEMS)}.{c.r.choice(FILE_EXTS)}"
                                                    for _ in range(3)]
    if not hard:
        sol = "def extension(filename):\n    return filename.split('.')[-1]"
        task = (f"{c.intro()} Write a function extension(filename) that returns the part of the file name after the "
                f"last dot.")
        return Spec("extension", task, sol, [repr(f) for f in files[:2]] + ["'archive.tar.gz'"])
    ext = files[0].split(".")[-1]
    sol = "def count_ext(filenames, ext):\n    return len([f for f in filenames if f.endswith('.' + ext)])"
    task = (f"{c.intro()} Write a function count_ext(filenames, ext) that returns how many file names in the list end "
            f"with a dot and the extension ext.")
    return Spec("count_ext", task, sol, [f"{L(files)}, {ext!r}", f"{L(files)}, 'zip'", f"[], 'txt'"],
                "work on a list of file names")


def celsius(c: Ctx, hard: bool) -> Spec:
    t = c.r.randint(0, 8) * 5
    if not hard:
        sol = "def to_fahrenheit(celsius):\n    return celsius * 9 // 5 + 32"
        task = (f"{c.intro()} Write a function to_fahrenheit(celsius) that converts a whole number of degrees Celsius "
                f"to Fahrenheit using celsius * 9 // 5 + 32.")
        return Spec("to_fahrenheit", task, sol, [str(t), "0", "100"])
    sol = "def warm_days(temps, limit):\n    return [i for i, t in enumerate(temps) if t >= limit]"
    v = c.ints(5, 5, 30)
    task = (f"{c.intro()} Write a function warm_days(temps, limit) that returns the positions of the days whose "
            f"temperature is at least limit.")
    return Spec("warm_days", task, sol, [f"{L(v)}, 20", f"{L(v)}, 100", "[], 10"], "find the warm days in a list")


def change_due(c: Ctx, hard: bool) -> Spec:
    cost = c.ints(1, 2, 20)[0]
    if not hard:
        sol = "def change_due(paid, cost):\n    return paid - cost"
        task = (f"{c.intro()} Write a function change_due(paid, cost) that returns how much change is given back when "
                f"paying paid for something that costs cost.")
        return Spec("change_due", task, sol, [f"20, {cost}", "10, 10", "50, 35"])
    sol = "def change_or_none(paid, cost):\n    if paid < cost:\n        return None\n    return paid - cost"
    task = (f"{c.intro()} Write a function change_or_none(paid, cost) that returns the change, or None when paid is "
            f"less than cost.")
    return Spec("change_or_none", task, sol, [f"20, {cost}", "5, 10", "10, 10"], "handle too little money")


FAMILIES = [(total, 5), (count_above, 3), (filter_above, 3), (largest, 4), (smallest, 3), (average, 2),
            (reverse_word, 2), (count_vowels, 2), (word_count, 3), (price_lookup, 3), (running_totals, 2),
            (describe, 4), (initials, 3), (longest_word, 2), (count_word, 3), (divisible, 3), (scale_all, 4),
            (unique, 2), (join_names, 3), (percent_of, 2), (minutes_hm, 2), (extension, 2), (celsius, 2),
            (change_due, 3)]


TEXT_TOPICS = {"text", "words", "files", "club"}
TEXT_FAMILIES = {"reverse_word", "count_vowels", "word_count", "describe", "initials", "longest_word", "count_word",
                 "join_names", "extension"}


def make_code(rng: random.Random, facts: Facts, hard: bool = False, family=None) -> Spec:
    texty = facts.topic in TEXT_TOPICS
    weights = [w * (3 if (f.__name__ in TEXT_FAMILIES) == texty else 1) for f, w in FAMILIES]
    fam = family or rng.choices([f for f, _ in FAMILIES], weights=weights)[0]
    spec = fam(Ctx(rng, facts), hard)
    spec.calls = list(dict.fromkeys(spec.calls))
    return finalize(spec)


MUTATIONS = [
    (r"\+= v\b", "-= v"), (r"\+= 1\b", "+= 2"), (r"> limit", ">= limit"), (r" > best", " < best"), (r" < values", " > values"),
    (r"= 0\n", "= 1\n"), (r"\[::-1\]", "[::1]"), (r"\* 2\b", "+ 2"), (r"% k == 0", "% k == 1"), (r"min\(", "max("),
    (r"\[0\]", "[1]"), (r"\[-1\]", "[0]"), (r"', '", "','"), (r"len\(w\) > n", "len(w) >= n"), (r"return count\b", "return count + 1"),
    (r"return result\b", "return result[:-1]" ), (r"return best\b", "return values[-1]"), (r" // 100", " // 10"),
    (r"paid - cost", "cost - paid"), (r"\+ 32", "+ 23"), (r"'aeiou'", "'aeio'"), (r"<= high", "< high"),
    (r"\* factor", "+ factor"), (r"sorted\(", "list("), (r"\.get\(item, 0\)", "[item]"), (r"'\.'", "'-'"),
    (r"\{count\} \{item\}", "{item} {count}"), (r"// 60", "// 100"), (r"\.join\(", ".join(reversed("),
    (r"return len\(", "return 1 + len("), (r"sum\(values\) / len\(values\)", "sum(values) // len(values)"),
]


def mutate(rng: random.Random, spec: Spec) -> tuple[str, str] | None:
    """Returns (buggy solution, failure message) for a mutation that makes a test fail, or None."""
    muts = MUTATIONS[:]
    rng.shuffle(muts)
    for pat, rep in muts:
        if not re.search(pat, spec.solution):
            continue
        bad = re.sub(pat, rep, spec.solution, count=1)
        if "reversed(" in bad:
            bad = bad.replace(".join(reversed(", ".join(reversed(").replace("names)", "names))", 1) \
                if "names)" in bad else bad
        try:
            compile(bad, "<bad>", "exec")
        except SyntaxError:
            continue
        ok, why = run_tests(bad, spec.tests_text())
        if not ok:
            return bad, why
    return None
