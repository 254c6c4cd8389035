"""Math word problems grounded in a passage, with GSM8K-annotated worked solutions, correct by construction.

Every calculation is written as `expr = <<expr=result>>result`, where the result is computed with exact rational
arithmetic (`fractions.Fraction`) and re-checked by `check_solution`. Numbers stay small so a tiny model can learn
the arithmetic. A family function takes (rng, facts, difficulty 1..4, big) and returns a `MathItem`.
"""
from __future__ import annotations

import ast
import random
import re
from dataclasses import dataclass
from fractions import Fraction

from passages import Facts, Thing, NAMES, SHOP_ITEMS

ANN = re.compile(r"<<([^<>=]+)=([^<>]+)>>")


def ev(expr: str) -> Fraction:
    """Evaluates + - * / and parentheses over decimal numbers exactly."""
    def go(n):
        if isinstance(n, ast.Expression):
            return go(n.body)
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)):
            return Fraction(str(n.value))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -go(n.operand)
        if isinstance(n, ast.BinOp):
            a, b = go(n.left), go(n.right)
            if isinstance(n.op, ast.Add):
                return a + b
            if isinstance(n.op, ast.Sub):
                return a - b
            if isinstance(n.op, ast.Mult):
                return a * b
            if isinstance(n.op, ast.Div):
                if b == 0:
                    raise ZeroDivisionError(expr)
                return a / b
        raise ValueError(f"bad expression {expr!r}")
    return go(ast.parse(expr.strip(), mode="eval"))


def fmt(v: Fraction) -> str:
    """Integer, exact short decimal, or a/b."""
    if v.denominator == 1:
        return str(v.numerator)
    d = v.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    if d == 1:
        for places in range(1, 4):
            scaled = v * 10 ** places
            if scaled.denominator == 1:
                s = f"{abs(scaled.numerator):0{places + 1}d}"
                return ("-" if v < 0 else "") + s[:-places] + "." + s[-places:]
    return f"{v.numerator}/{v.denominator}"


def parse_number(s: str) -> Fraction:
    s = s.strip()
    if "/" in s:
        a, b = s.split("/", 1)
        return Fraction(a) / Fraction(b)
    return Fraction(s)


def check_solution(text: str) -> tuple[bool, str]:
    """Checks every annotation and that the final answer equals the last annotation's result."""
    lines = text.rstrip("\n").split("\n")
    if not lines or not lines[-1].startswith("#### "):
        return False, "no final answer line"
    anns = ANN.findall(text)
    for expr, res in anns:
        try:
            if ev(expr) != parse_number(res):
                return False, f"annotation {expr}={res} is wrong"
        except (ValueError, ZeroDivisionError, SyntaxError):
            return False, f"annotation {expr}={res} does not parse"
    try:
        final = parse_number(lines[-1][5:])
    except (ValueError, ZeroDivisionError):
        return False, "final answer does not parse"
    if anns and parse_number(anns[-1][1]) != final:
        return False, "final answer differs from last annotation"
    return True, "ok"


@dataclass
class MathItem:
    problem: str
    steps: list[str]
    answer: Fraction
    family: str
    difficulty: int

    def solution(self) -> str:
        return "\n".join(self.steps) + f"\n#### {fmt(self.answer)}"

    def completion(self) -> str:
        return f"{self.problem}\n\nSolution:\n{self.solution()}"


class Calc:
    """Collects step lines; `c(expr)` returns the value and the annotated text `expr = <<expr=v>>v`."""

    def __init__(self):
        self.steps: list[str] = []
        self.last = Fraction(0)

    def c(self, expr: str) -> tuple[Fraction, str]:
        v = ev(expr)
        self.last = v
        return v, f"{expr} = <<{expr}={fmt(v)}>>{fmt(v)}"

    def step(self, template: str, expr: str) -> Fraction:
        v, t = self.c(expr)
        self.steps.append(template.replace("@", t))
        return v


def S(v: Fraction) -> str:
    return fmt(v)


class Ctx:
    def __init__(self, rng: random.Random, f: Facts, big: bool):
        self.r, self.f, self.big = rng, f, big

    def num(self, lo: int, hi: int) -> int:
        if self.big:
            lo, hi = lo * 2, hi * 3
        cands = [n for n in self.f.nums if lo <= n <= hi]
        if cands and self.r.random() < 0.7:
            return self.r.choice(cands)
        return self.r.randint(lo, hi)

    def other(self) -> str:
        for o in self.f.others:
            if o != self.f.person and o[0].isupper() and " " not in o:
                return o
        return self.r.choice([n for n in NAMES if n != self.f.person])

    def priced(self, k: int) -> list[Thing]:
        ps = [t for t in self.f.things if t.price is not None and 1 <= t.price <= 20 and " " not in t.sing[:0]]
        self.r.shuffle(ps)
        out = []
        for t in ps[:k]:
            cnt = t.count if 1 <= t.count <= 12 else self.r.randint(2, 9)
            out.append(Thing(t.sing, t.pl, cnt * (2 if self.big else 1), t.price))
        while len(out) < k:
            s, pl, lo, hi = self.r.choice(SHOP_ITEMS)
            if any(o.sing == s for o in out):
                continue
            out.append(Thing(s, pl, self.r.randint(2, 9) * (2 if self.big else 1), self.r.randint(lo, min(hi, 12))))
        return out

    def counted(self, k: int) -> list[Thing]:
        ts = [t for t in self.f.things if 2 <= t.count <= 60 and t.sing[0].islower() and "." not in t.sing]
        self.r.shuffle(ts)
        out = ts[:k]
        pool = [(a, b) for a, b, _, _ in SHOP_ITEMS]
        while len(out) < k:
            a, b = self.r.choice(pool)
            if any(o.sing == a for o in out):
                continue
            out.append(Thing(a, b, self.num(3, 30)))
        return out


# ---- families ------------------------------------------------------------------------------------------------

def shop_total(x: Ctx, d: int) -> MathItem:
    p = x.f.person
    a, b = x.priced(2)
    k = Calc()
    where = f" at {x.f.place}" if x.f.topic in ("shopping", "inventory") else ""
    q = f"{p} buys {a.count} {a.pl} at ${a.price} each{where}."
    c1 = k.step(f"The {a.pl} cost @ dollars.", f"{a.count}*{a.price}")
    ask = f"How much does {p} spend on {a.pl}?"
    if d >= 2:
        q += f" {p} also buys {b.count} {b.pl} at ${b.price} each."
        c2 = k.step(f"The {b.pl} cost @ dollars.", f"{b.count}*{b.price}")
        tot = k.step("In all that is @ dollars.", f"{S(c1)}+{S(c2)}")
        ask = f"How much does {p} spend in all?"
    else:
        tot = c1
    if d >= 3:
        coupon = x.r.randint(1, 5)
        q += f" A coupon takes ${coupon} off the total."
        tot = k.step("After the coupon the bill is @ dollars.", f"{S(tot)}-{coupon}")
        ask = f"How much does {p} pay after the coupon?"
    if d >= 4:
        bill = ((int(tot) // 10) + 1 + x.r.randint(0, 3)) * 10
        q += f" {p} pays with ${bill}."
        k.step(f"{p} gets back @ dollars in change.", f"{bill}-{S(tot)}")
        ask = f"How much change does {p} get?"
    return MathItem(f"{q} {ask}", k.steps, k.last, "shop_total", d)


def remaining_money(x: Ctx, d: int) -> MathItem:
    p = x.f.person
    a, b = x.priced(2)
    k = Calc()
    start = x.num(20, 60) if not x.big else x.num(50, 90)
    cost_a = a.count * a.price
    cost_b = b.count * b.price
    need = cost_a + (cost_b if d >= 3 else 0)
    if start <= need:
        start = need + x.r.randint(1, 20)
    q = f"{p} has ${start}."
    if d == 1:
        q += f" {p} spends ${cost_a} on {a.pl}. How much money does {p} have left?"
        k.step(f"{p} has @ dollars left.", f"{start}-{cost_a}")
        return MathItem(q, k.steps, k.last, "remaining_money", d)
    q += f" {p} buys {a.count} {a.pl} for ${a.price} each"
    c1 = k.step(f"The {a.pl} cost @ dollars.", f"{a.count}*{a.price}")
    spent = c1
    if d >= 3:
        q += f" and {b.count} {b.pl} for ${b.price} each"
        c2 = k.step(f"The {b.pl} cost @ dollars.", f"{b.count}*{b.price}")
        spent = k.step("Together that is @ dollars.", f"{S(c1)}+{S(c2)}")
    q += "."
    left = k.step(f"{p} has @ dollars left.", f"{start}-{S(spent)}")
    ask = f"How much money does {p} have left?"
    if d >= 4:
        gift = x.r.randint(2, 10)
        q += f" Then {x.other()} gives {p} ${gift}."
        k.step(f"After the gift {p} has @ dollars.", f"{S(left)}+{gift}")
        ask = f"How much money does {p} have now?"
    return MathItem(f"{q} {ask}", k.steps, k.last, "remaining_money", d)


def unit_rate(x: Ctx, d: int) -> MathItem:
    p = x.f.person
    verb, noun = x.r.choice([("reads", "pages"), ("bakes", "cookies"), ("walks", "kilometers"), ("packs", "boxes"),
                             ("plants", "seeds"), ("sells", "tickets"), ("paints", "tiles"), ("folds", "cranes")])
    if x.f.topic == "reading":
        verb, noun = "reads", "pages"
    rate = x.num(2, 12)
    days = x.r.randint(2, 6)
    tot = rate * days
    k = Calc()
    q = f"{p} {verb} {tot} {noun} in {days} days, the same number each day."
    r1 = k.step(f"Each day {p} {verb} @ {noun}.", f"{tot}/{days}")
    ask = f"How many {noun} does {p} {verb[:-1] if not verb.endswith('es') else verb[:-2]} each day?"
    if d >= 2:
        more = x.r.randint(3, 9)
        q += f" At this rate, how many {noun} would {p} finish in {more} days?"
        r2 = k.step(f"In {more} days that is @ {noun}.", f"{S(r1)}*{more}")
        ask = ""
        if d >= 3:
            o = x.other()
            extra = x.r.randint(1, 5)
            q = q.rsplit(" At this rate", 1)[0]
            q += (f" {o} {verb} {extra} more {noun} each day than {p}. How many {noun} do they finish together "
                  f"in {more} days?")
            r3 = k.step(f"{o} {verb} @ {noun} each day.", f"{S(r1)}+{extra}")
            r4 = k.step(f"In {more} days {o} {verb} @ {noun}.", f"{S(r3)}*{more}")
            k.step("Together they finish @ " + noun + ".", f"{S(r2)}+{S(r4)}")
            if d >= 4:
                goal = int(k.last) + x.r.randint(5, 40)
                q = q.rsplit(" How many", 1)[0]
                q += f" Their goal is {goal} {noun} in {more} days. How many more {noun} do they need?"
                k.step(f"They still need @ {noun}.", f"{goal}-{S(k.last)}")
    return MathItem(f"{q} {ask}".strip(), k.steps, k.last, "unit_rate", d)


def fraction_part(x: Ctx, d: int) -> MathItem:
    p, o = x.f.person, x.other()
    t = x.counted(1)[0]
    num, den = x.r.choice([(1, 2), (1, 3), (1, 4), (2, 3), (3, 4), (1, 5), (2, 5), (1, 6)])
    base = max(1, t.count // den)
    total = base * den
    k = Calc()
    q = f"{p} has {total} {t.pl} and gives {num}/{den} of them to {o}."
    part = k.step(f"{p} gives away @ {t.pl}.", f"{total}*{num}/{den}")
    ask = f"How many {t.pl} does {o} get?"
    if d >= 2:
        left = k.step(f"{p} keeps @ {t.pl}.", f"{total}-{S(part)}")
        ask = f"How many {t.pl} does {p} keep?"
        if d >= 3:
            more = x.r.randint(2, 12)
            q += f" Later {p} buys {more} more."
            left = k.step(f"Now {p} has @ {t.pl}.", f"{S(left)}+{more}")
            ask = f"How many {t.pl} does {p} have now?"
        if d >= 4:
            friends = x.r.choice([f for f in (2, 3, 4, 5) if int(left) % f == 0] or [1])
            if friends > 1:
                q += f" Then {p} shares them equally among {friends} friends."
                k.step(f"Each friend gets @ {t.pl}.", f"{S(left)}/{friends}")
                ask = "How many does each friend get?"
    return MathItem(f"{q} {ask}", k.steps, k.last, "fraction_part", d)


def percent(x: Ctx, d: int) -> MathItem:
    p = x.f.person
    a = x.priced(1)[0]
    pct = x.r.choice([10, 20, 25, 50, 30, 40])
    step = {10: 10, 20: 5, 25: 4, 50: 2, 30: 10, 40: 5}[pct]
    price = max(step, (a.price * x.r.randint(2, 5) // step) * step)
    k = Calc()
    q = f"A {a.sing} usually costs ${price}, but it is on sale for {pct}% off."
    off = k.step("The discount is @ dollars.", f"{price}*{pct}/100")
    ask = "How many dollars is the discount?"
    if d >= 2:
        now = k.step("The sale price is @ dollars.", f"{price}-{S(off)}")
        ask = f"What is the sale price of one {a.sing}?"
        if d >= 3:
            n = x.r.randint(2, 5)
            q += f" {p} buys {n} of them."
            tot = k.step(f"{p} pays @ dollars.", f"{S(now)}*{n}")
            ask = f"How much does {p} pay?"
            if d >= 4:
                k.step(f"{p} saves @ dollars compared with the full price.", f"{price}*{n}-{S(tot)}")
                ask = f"How much does {p} save?"
    return MathItem(f"{q} {ask}", k.steps, k.last, "percent", d)


def ratio(x: Ctx, d: int) -> MathItem:
    p = x.f.person
    a, b = x.counted(2)
    ra, rb = x.r.choice([(1, 2), (2, 3), (3, 4), (1, 3), (3, 5), (2, 5), (1, 4), (4, 5)])
    if x.r.random() < 0.5:
        ra, rb = rb, ra
    u = x.r.randint(2, 9) * (2 if x.big else 1)
    k = Calc()
    if d <= 2:
        q = f"At {x.f.place or 'the shop'} the ratio of {a.pl} to {b.pl} is {ra}:{rb}. There are {ra * u} {a.pl}."
        unit = k.step("One part is @.", f"{ra * u}/{ra}")
        k.step(f"There are @ {b.pl}.", f"{S(unit)}*{rb}")
        ask = f"How many {b.pl} are there?"
        if d == 2:
            k.step(f"Together there are @ {a.pl} and {b.pl}.", f"{ra * u}+{S(k.last)}")
            ask = f"How many {a.pl} and {b.pl} are there in total?"
    else:
        tot = (ra + rb) * u
        q = f"{p} has {tot} {a.pl} and {b.pl} in the ratio {ra}:{rb}."
        parts = k.step("There are @ parts.", f"{ra}+{rb}")
        one = k.step("Each part is @.", f"{tot}/{S(parts)}")
        na = k.step(f"{p} has @ {a.pl}.", f"{S(one)}*{ra}")
        ask = f"How many {a.pl} does {p} have?"
        if d >= 4:
            nb = k.step(f"{p} has @ {b.pl}.", f"{S(one)}*{rb}")
            if nb >= na:
                k.step(f"There are @ more {b.pl} than {a.pl}.", f"{S(nb)}-{S(na)}")
                ask = f"How many more {b.pl} than {a.pl} are there?"
            else:
                k.step(f"There are @ more {a.pl} than {b.pl}.", f"{S(na)}-{S(nb)}")
                ask = f"How many more {a.pl} than {b.pl} are there?"
    return MathItem(f"{q} {ask}", k.steps, k.last, "ratio", d)


def average(x: Ctx, d: int) -> MathItem:
    p = x.f.person
    n = min(5, d + 1) if d >= 2 else 2
    vals = [v for v in x.f.nums if 1 <= v <= 40]
    x.r.shuffle(vals)
    vals = vals[:n]
    while len(vals) < n:
        vals.append(x.r.randint(2, 20))
    rem = sum(vals) % n
    if rem:
        vals[-1] += n - rem
    unit = x.f.unit if x.f.unit in ("points", "degrees", "books", "orders", "people", "runs", "goals") else "points"
    k = Calc()
    listed = ", ".join(str(v) for v in vals[:-1]) + f" and {vals[-1]}"
    q = f"{p} records {listed} {unit} on {n} days."
    tot = k.step(f"The total is @ {unit}.", "+".join(str(v) for v in vals))
    if d == 1:
        return MathItem(f"{q} What is the total?", k.steps, k.last, "average", d)
    avg = k.step(f"The average is @ {unit}.", f"{S(tot)}/{n}")
    ask = "What is the average per day?"
    if d >= 4:
        target = int(avg) + x.r.randint(1, 4)
        q += f" {p} wants the average over {n + 1} days to be {target}."
        need_tot = k.step(f"That needs a total of @ {unit}.", f"{target}*{n + 1}")
        k.step(f"So the next day needs @ {unit}.", f"{S(need_tot)}-{S(tot)}")
        ask = "How many are needed on the next day?"
    return MathItem(f"{q} {ask}", k.steps, k.last, "average", d)


def linear_eq(x: Ctx, d: int) -> MathItem:
    p = x.f.person
    n = x.r.randint(2, 12)
    a = x.r.randint(2, 6)
    b = x.r.randint(1, 20)
    k = Calc()
    if d == 1:
        c = n + b
        q = f"{p} thinks of a number and adds {b}. The result is {c}. What is the number?"
        k.step("The number is @.", f"{c}-{b}")
    elif d == 2:
        c = n * a + b
        q = f"{p} thinks of a number, multiplies it by {a} and adds {b}. The result is {c}. What is the number?"
        m = k.step(f"Before adding {b} the result was @.", f"{c}-{b}")
        k.step("The number is @.", f"{S(m)}/{a}")
    else:
        t = x.counted(1)[0]
        o = x.other()
        if d == 3:
            total = n + (a * n)
            q = (f"{o} has {a} times as many {t.pl} as {p}. Together they have {total} {t.pl}. "
                 f"How many {t.pl} does {p} have?")
            parts = k.step("Together they have @ shares.", f"1+{a}")
            k.step(f"{p} has @ {t.pl}.", f"{total}/{S(parts)}")
        else:
            total = n + (a * n + b)
            q = (f"{o} has {b} more than {a} times as many {t.pl} as {p}. Together they have {total} {t.pl}. "
                 f"How many {t.pl} does {o} have?")
            rest = k.step(f"Without the extra {b} they have @.", f"{total}-{b}")
            parts = k.step("That is @ shares.", f"1+{a}")
            one = k.step(f"{p} has @ {t.pl}.", f"{S(rest)}/{S(parts)}")
            k.step(f"{o} has @ {t.pl}.", f"{S(one)}*{a}+{b}")
    return MathItem(q, k.steps, k.last, "linear_eq", d)


def time_calc(x: Ctx, d: int) -> MathItem:
    p = x.f.person
    acts = x.r.sample(["walking", "reading", "cooking", "practicing piano", "cleaning", "gardening", "studying",
                       "swimming"], 2)
    m1, m2 = x.r.choice([10, 15, 20, 25, 30, 35, 40, 45]), x.r.choice([5, 10, 15, 20, 25, 30])
    k = Calc()
    if d == 1:
        q = f"{p} spends {m1} minutes {acts[0]} and {m2} minutes {acts[1]}. How many minutes is that in all?"
        k.step("That is @ minutes.", f"{m1}+{m2}")
        return MathItem(q, k.steps, k.last, "time_calc", d)
    h = x.r.randint(1, 3)
    q = f"{p} spends {h} hours {acts[0]} and {m2} minutes {acts[1]}."
    hm = k.step(f"{h} hours is @ minutes.", f"{h}*60")
    tot = k.step("In all that is @ minutes.", f"{S(hm)}+{m2}")
    ask = "How many minutes is that in all?"
    if d >= 3:
        days = x.r.randint(2, 5)
        q += f" {p} does this on {days} days."
        tot = k.step(f"Over {days} days that is @ minutes.", f"{S(tot)}*{days}")
        ask = "How many minutes does that make?"
        if d >= 4 and int(tot) % 60 == 0:
            k.step("That is @ hours.", f"{S(tot)}/60")
            ask = "How many hours does that make?"
        elif d >= 4:
            brk = x.r.choice([10, 15, 20])
            q += f" On each of those days there is also a {brk} minute break."
            b = k.step("The breaks take @ minutes.", f"{brk}*{days}")
            k.step("With the breaks that is @ minutes.", f"{S(tot)}+{S(b)}")
            ask = "How many minutes does that make, breaks included?"
    return MathItem(f"{q} {ask}", k.steps, k.last, "time_calc", d)


def multi_day(x: Ctx, d: int) -> MathItem:
    p = x.f.person
    t = x.counted(1)[0]
    n1 = x.num(4, 20)
    k = Calc()
    q = f"On Monday {p} sells {n1} {t.pl}."
    if d == 1:
        n2 = x.r.randint(2, 15)
        q += f" On Tuesday {p} sells {n2} {t.pl}. How many {t.pl} does {p} sell on the two days?"
        k.step(f"{p} sells @ {t.pl}.", f"{n1}+{n2}")
        return MathItem(q, k.steps, k.last, "multi_day", d)
    f = x.r.choice([2, 3])
    q += f" On Tuesday {p} sells {'twice' if f == 2 else 'three times'} as many."
    n2 = k.step(f"On Tuesday {p} sells @ {t.pl}.", f"{n1}*{f}")
    if d == 2:
        k.step(f"Over the two days {p} sells @ {t.pl}.", f"{n1}+{S(n2)}")
        return MathItem(f"{q} How many {t.pl} does {p} sell on the two days?", k.steps, k.last, "multi_day", d)
    fewer = x.r.randint(1, max(1, int(n2) - 1))
    q += f" On Wednesday {p} sells {fewer} fewer than on Tuesday."
    n3 = k.step(f"On Wednesday {p} sells @ {t.pl}.", f"{S(n2)}-{fewer}")
    tot = k.step(f"In all {p} sells @ {t.pl}.", f"{n1}+{S(n2)}+{S(n3)}")
    ask = f"How many {t.pl} does {p} sell in the three days?"
    if d >= 4:
        price = x.r.randint(2, 6)
        q += f" Each one sells for ${price}."
        k.step(f"{p} earns @ dollars.", f"{S(tot)}*{price}")
        ask = f"How much money does {p} earn?"
    return MathItem(f"{q} {ask}", k.steps, k.last, "multi_day", d)


def compare(x: Ctx, d: int) -> MathItem:
    p, o = x.f.person, x.other()
    t = x.counted(1)[0]
    a = x.num(5, 30)
    more = x.r.randint(2, 15)
    k = Calc()
    q = f"{p} has {a} {t.pl}. {o} has {more} more {t.pl} than {p}."
    b = k.step(f"{o} has @ {t.pl}.", f"{a}+{more}")
    ask = f"How many {t.pl} does {o} have?"
    if d >= 2:
        k.step(f"Together they have @ {t.pl}.", f"{a}+{S(b)}")
        ask = f"How many {t.pl} do they have together?"
    if d >= 3:
        tot = k.last
        used = x.r.randint(1, int(tot) - 1)
        q += f" They use {used} of them for a project."
        left = k.step(f"They have @ {t.pl} left.", f"{S(tot)}-{used}")
        ask = f"How many {t.pl} are left?"
        if d >= 4:
            boxes = x.r.choice([b for b in (2, 3, 4, 5) if int(left) % b == 0] or [1])
            if boxes > 1:
                q += f" They pack the rest equally into {boxes} boxes."
                k.step(f"Each box holds @ {t.pl}.", f"{S(left)}/{boxes}")
                ask = "How many go in each box?"
    return MathItem(f"{q} {ask}", k.steps, k.last, "compare", d)


FAMILIES = [(shop_total, 4), (remaining_money, 3), (unit_rate, 3), (fraction_part, 3), (percent, 3), (ratio, 2),
            (average, 3), (linear_eq, 2), (time_calc, 2), (multi_day, 3), (compare, 3)]
DIFFICULTY_WEIGHTS = [3, 4, 3, 2]


TOPIC_BOOST = {
    "shopping": ("shop_total", "remaining_money", "percent"), "market": ("shop_total", "multi_day", "percent"),
    "inventory": ("shop_total", "percent", "compare"), "fundraiser": ("multi_day", "shop_total", "percent"),
    "savings": ("remaining_money", "unit_rate", "linear_eq"), "club": ("average", "remaining_money"),
    "records": ("average", "compare"), "weather": ("average", "compare"), "library": ("average", "multi_day"),
    "school": ("average", "ratio", "fraction_part"), "reading": ("unit_rate", "fraction_part"),
    "recipe": ("fraction_part", "ratio", "time_calc"), "garden": ("ratio", "fraction_part", "compare"),
    "farm": ("ratio", "fraction_part", "compare"), "timetable": ("time_calc", "unit_rate"),
    "travel": ("time_calc", "unit_rate"), "sports": ("average", "compare", "linear_eq"),
}


def make_math(rng: random.Random, facts: Facts, difficulty: int | None = None, family=None,
              big: bool = False) -> MathItem:
    boost = TOPIC_BOOST.get(facts.topic, ())
    weights = [w * (4 if f.__name__ in boost else 1) for f, w in FAMILIES]
    fam = family or rng.choices([f for f, _ in FAMILIES], weights=weights)[0]
    d = difficulty or rng.choices([1, 2, 3, 4], weights=DIFFICULTY_WEIGHTS)[0]
    item = fam(Ctx(rng, facts, big), d)
    ok, why = check_solution(item.solution())
    if not ok or item.answer < 0:
        raise ValueError(f"{fam.__name__}: {why}\n{item.completion()}")
    return item
