"""Synthetic seed passages: short English paragraphs with concrete numbers and named entities.

Each topic generator returns a `Facts` record alongside the text, so the math and code generators can ground their
problems in the passage's people, places, items and numbers. Everything is driven by a `random.Random`, so the
same seed gives the same passages.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

NAMES = """Mia Liam Olivia Noah Emma Ava Lucas Sofia Ethan Zoe Omar Priya Hana Diego Lena Yusuf Chloe Mateo Aisha
Ben Clara Felix Grace Hugo Iris Jack Kai Leo Maya Nina Oscar Pablo Rosa Sam Tara Uma Victor Wen Yara Zane Amir
Bella Carlos Daisy Elena Farah Gabe Helen Ivan Jade Kenji Lila Marco Nora Owen Pia Quinn Ravi Sara Tom Vera Will
Ximena Yuki Aiden Bruno Celia Dev Elif Finn Gina Hassan Ines Jonah Kira Luis Mei Nadia Otto Paula Rami Selin Theo
Anya Bilal Cora Dario Esme Fatima Gus Holly Ismael June Kofi Lucia Milo Nell Orla Pedro Rhea Sunil Tess""".split()

SURNAMES = """Garcia Chen Patel Novak Silva Okafor Kim Rossi Schmidt Haddad Nguyen Larsen Moreau Tanaka Costa Adler
Berg Cruz Dalton Evans Fischer Grant Hale Ito Jensen Khan Lopez Murphy Park Quinn Reyes Sato Torres Weber""".split()

TOWNS = """Maple Grove, Riverton, Cedar Falls, Brookhaven, Lakeside, Pine Hill, Oakdale, Millbrook, Fairview, Elmwood,
Harbor Point, Stonebridge, Westfield, Greenvale, Ashford, Willow Creek, Northgate, Sunnydale, Hillcrest, Bayview""".replace(
    "\n", " ").split(", ")

SHOPS = ["Green Market", "Corner Shop", "Sunrise Bakery", "Blue Door Books", "Fresh Farm Stand", "City Hardware",
         "Bright Stationers", "Harbor Fish Market", "Oak Street Deli", "Pixel Games", "Petal Florist", "Main Street Pharmacy",
         "Riverside Grocers", "The Tea House", "Golden Spoon Cafe", "Village Toy Shop"]

# (singular, plural, low price, high price)
SHOP_ITEMS = [
    ("notebook", "notebooks", 2, 6), ("pen", "pens", 1, 3), ("apple", "apples", 1, 2), ("loaf of bread", "loaves of bread", 2, 5),
    ("candle", "candles", 3, 9), ("mug", "mugs", 4, 12), ("book", "books", 5, 15), ("orange", "oranges", 1, 2),
    ("bag of rice", "bags of rice", 3, 8), ("jar of honey", "jars of honey", 4, 10), ("sticker", "stickers", 1, 2),
    ("muffin", "muffins", 2, 4), ("comic", "comics", 3, 7), ("plant pot", "plant pots", 3, 9), ("scarf", "scarves", 8, 20),
    ("puzzle", "puzzles", 6, 15), ("bottle of juice", "bottles of juice", 2, 5), ("box of tea", "boxes of tea", 3, 8),
    ("sandwich", "sandwiches", 4, 8), ("pencil", "pencils", 1, 2), ("cupcake", "cupcakes", 2, 5), ("ticket", "tickets", 5, 12),
    ("melon", "melons", 3, 6), ("basket", "baskets", 6, 14), ("lamp", "lamps", 10, 20), ("card", "cards", 1, 4),
]

PRODUCE = [("tomato", "tomatoes"), ("carrot", "carrots"), ("pepper", "peppers"), ("lettuce", "lettuces"),
           ("bean plant", "bean plants"), ("sunflower", "sunflowers"), ("strawberry plant", "strawberry plants"),
           ("pumpkin", "pumpkins"), ("rose bush", "rose bushes"), ("herb pot", "herb pots"), ("onion", "onions")]

INGREDIENTS = [("cup of flour", "cups of flour"), ("egg", "eggs"), ("spoon of sugar", "spoons of sugar"),
               ("cup of milk", "cups of milk"), ("banana", "bananas"), ("cup of oats", "cups of oats"),
               ("spoon of butter", "spoons of butter"), ("lemon", "lemons"), ("cup of rice", "cups of rice"),
               ("potato", "potatoes"), ("clove of garlic", "cloves of garlic")]

DISHES = ["pancakes", "banana bread", "vegetable soup", "lemon cake", "fried rice", "oat cookies", "potato salad",
          "tomato pasta", "apple pie", "bean stew"]

TEAMS = ["Riverton Rovers", "Lakeside Lions", "Cedar Hawks", "Pine Hill Pumas", "Harbor Sharks", "Oakdale Owls",
         "Millbrook Mustangs", "Westfield Wolves", "Ashford Eagles", "Greenvale Giants"]

SPORTS = [("basketball", "points", "games"), ("soccer", "goals", "matches"), ("hockey", "goals", "games"),
          ("volleyball", "points", "sets"), ("cricket", "runs", "innings"), ("baseball", "runs", "games")]

SUBJECTS = ["math", "science", "history", "art", "music", "reading", "geography", "spelling"]

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]

WORDS = """river garden window planet basket silver forest candle orange pencil rocket mountain harbor lantern
meadow puzzle thunder cookie marble violet summer winter blanket bridge castle dragon engine feather garage
island jacket kettle ladder mirror needle ocean pepper rabbit saddle tiger umbrella valley wagon yellow zebra
apple bread cloud dance eagle flame green honey light music night paper queen rain stone table water""".split()

FILE_EXTS = ["txt", "csv", "png", "pdf", "md", "json", "py", "jpg"]

FILE_STEMS = ["report", "notes", "budget", "photo", "draft", "list", "plan", "scores", "recipe", "letter", "map",
              "summary", "invoice", "schedule", "menu", "diary"]

ANIMALS = [("hen", "hens"), ("goat", "goats"), ("sheep", "sheep"), ("cow", "cows"), ("duck", "ducks"),
           ("rabbit", "rabbits"), ("pig", "pigs"), ("horse", "horses")]


@dataclass
class Thing:
    """An item the passage mentions: singular and plural noun, a count, and an optional whole-dollar price."""
    sing: str
    pl: str
    count: int
    price: int | None = None


@dataclass
class Facts:
    """The structured content of a passage, for grounding problems and tasks in it."""
    topic: str
    person: str
    others: list[str] = field(default_factory=list)
    place: str = ""
    things: list[Thing] = field(default_factory=list)
    nums: list[int] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    phrase: str = ""
    unit: str = ""


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _money(v: int) -> str:
    return f"${v}"


class PassageMaker:
    """Draws passages on many topics; call `make()` for a (text, Facts) pair."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.topics = [
            (self.shopping, 4), (self.market, 3), (self.travel, 2), (self.timetable, 2), (self.recipe, 3),
            (self.sports, 3), (self.school, 3), (self.garden, 3), (self.savings, 3), (self.records, 2),
            (self.inventory, 3), (self.text_note, 2), (self.word_list, 2), (self.club, 2), (self.files, 2),
            (self.farm, 2), (self.library, 2), (self.fundraiser, 2), (self.weather, 2), (self.reading, 2),
        ]
        self.weights = [w for _, w in self.topics]

    # ---- helpers -------------------------------------------------------------------------------------------
    def names(self, k: int) -> list[str]:
        return self.rng.sample(NAMES, k)

    def pick(self, xs):
        return self.rng.choice(xs)

    def n(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def finish(self, sentences: list[str], facts: Facts, fillers: list[str]) -> tuple[str, Facts]:
        r = self.rng
        body = list(sentences)
        extra = r.sample(fillers, k=min(len(fillers), r.randint(0, 2)))
        for s in extra:
            body.insert(r.randint(1, len(body)), s)
        text = " ".join(body)
        while len(text) > 700 and len(body) > 2:
            body.pop()
            text = " ".join(body)
        facts.nums = sorted({int(t) for t in _numbers_in(text)})
        return text, facts

    def make(self) -> tuple[str, Facts]:
        for _ in range(20):
            fn = self.rng.choices([f for f, _ in self.topics], weights=self.weights)[0]
            text, facts = fn()
            if 200 <= len(text) <= 700:
                return text, facts
        return text, facts

    # ---- topics --------------------------------------------------------------------------------------------
    def shopping(self):
        r = self.rng
        p, q = self.names(2)
        shop = self.pick(SHOPS)
        town = self.pick(TOWNS)
        items = r.sample(SHOP_ITEMS, r.randint(2, 4))
        things = [Thing(s, pl, self.n(2, 9), self.n(lo, hi)) for s, pl, lo, hi in items]
        day = self.pick(DAYS)
        opener = self.pick([
            f"On {day} morning {p} walked to {shop} in {town} with a short shopping list.",
            f"{p} stopped at {shop}, a small store near the station in {town}, on the way home on {day}.",
            f"Every {day}, {p} does the weekly shopping at {shop} in {town}.",
            f"{shop} in {town} was busy on {day}, but {p} still found everything on the list.",
        ])
        s = [opener]
        for i, t in enumerate(things):
            s.append(self.pick([
                f"{p} picked up {t.count} {t.pl}, which cost {_money(t.price)} each.",
                f"The {t.pl} were {_money(t.price)} each, so {p} took {t.count} of them.",
                f"{'Then' if i else 'First'} {p} chose {t.count} {t.pl} at {_money(t.price)} apiece.",
                f"A sign said {t.pl} were {_money(t.price)} each, and {p} bought {t.count}.",
            ]))
        fill = [f"{q}, who works at the counter, said the store opens at {self.n(7, 9)} in the morning.",
                f"{p} paid at the till and chatted with {q} about the weather.",
                "The shelves had just been restocked, and the store smelled of fresh coffee.",
                f"{p} keeps every receipt in a folder at home.",
                f"{p} carried everything home in a cloth bag."]
        f = Facts("shopping", p, [q], shop, things, unit="dollars")
        f.words = [t.sing.split()[-1] for t in things] + [p, q]
        return self.finish(s, f, fill)

    def market(self):
        r = self.rng
        p, q = self.names(2)
        town = self.pick(TOWNS)
        prods = r.sample(PRODUCE + [(a, b) for a, b, _, _ in SHOP_ITEMS[:12]], 3)
        things = [Thing(a, b, self.n(6, 30), self.n(1, 6)) for a, b in prods]
        s = [self.pick([f"The Saturday market in {town} had {self.n(12, 40)} stalls this week.",
                        f"{p} runs a small stall at the farmers market in {town}.",
                        f"Every weekend {p} sells produce at the market square in {town}."])]
        for t in things:
            s.append(self.pick([f"{p} brought {t.count} {t.pl} and priced them at {_money(t.price)} each.",
                                f"There were {t.count} {t.pl} on the table, each selling for {_money(t.price)}.",
                                f"By noon {p} had sold {t.count} {t.pl} at {_money(t.price)} a piece."]))
        s.append(self.pick([f"{q} from the next stall helped pack up at {self.n(2, 5)} o'clock.",
                            f"{q} bought the last of the {things[0].pl} just before closing."]))
        fill = ["The sun came out after a cloudy start, and the square filled with families.",
                "A street musician played by the fountain all afternoon.",
                f"The stall rent is {_money(self.n(10, 30))} for the day."]
        f = Facts("market", p, [q], town, things, unit="dollars")
        f.words = [t.sing for t in things] + [p, q]
        return self.finish(s, f, fill)

    def travel(self):
        p = self.pick(NAMES)
        a, b = self.rng.sample(TOWNS, 2)
        speed = self.pick([40, 50, 60, 30, 45, 80])
        hours = self.n(2, 5)
        stops = self.n(1, 4)
        mode = self.pick(["drove", "took the bus", "rode the train", "cycled"])
        s = [f"Last {self.pick(MONTHS)}, {p} {mode} from {a} to {b} to visit family.",
             f"The trip took {hours} hours at about {speed} kilometers per hour.",
             f"Along the way there were {stops} short stops for snacks and fuel.",
             self.pick([f"{p} packed {self.n(2, 6)} sandwiches and {self.n(1, 4)} bottles of water.",
                        f"A ticket cost {_money(self.n(8, 40))} each way."])]
        fill = [f"{b} is known for its old stone bridge and a busy harbor.",
                f"{p} listened to {self.n(3, 9)} episodes of a podcast on the road.",
                "The road wound through green hills and small villages."]
        f = Facts("travel", p, [], b, [Thing("stop", "stops", stops)], unit="kilometers")
        f.words = [a.split()[0], b.split()[0], p]
        f.phrase = f"{p} travels to {b}"
        return self.finish(s, f, fill)

    def timetable(self):
        p = self.pick(NAMES)
        town = self.pick(TOWNS)
        start = self.n(6, 10)
        every = self.pick([10, 15, 20, 30])
        trip = self.pick([12, 18, 25, 35, 40, 45])
        s = [f"The number {self.n(2, 60)} bus in {town} leaves the central station at {start}:00 every morning.",
             f"After that a bus departs every {every} minutes until late evening.",
             f"The ride to the hospital stop takes {trip} minutes.",
             f"{p} takes the bus {self.n(3, 6)} days a week to get to work."]
        fill = [f"A single fare costs {_money(self.n(2, 4))}, and a weekly pass costs {_money(self.n(15, 30))}.",
                "Buses are less frequent on public holidays.",
                f"{p} usually reads on the way and gets off {self.n(1, 3)} stops early to walk."]
        f = Facts("timetable", p, [], town, [Thing("bus", "buses", self.n(3, 9))], unit="minutes")
        f.words = [p, town.split()[0], "bus", "station"]
        return self.finish(s, f, fill)

    def recipe(self):
        r = self.rng
        p = self.pick(NAMES)
        dish = self.pick(DISHES)
        ings = r.sample(INGREDIENTS, r.randint(3, 4))
        serves = self.n(2, 8)
        things = [Thing(a, b, self.n(1, 6)) for a, b in ings]
        parts = ", ".join(f"{t.count} {t.pl if t.count > 1 else t.sing}" for t in things[:-1])
        last = things[-1]
        s = [f"{p}'s favorite recipe for {dish} serves {serves} people.",
             f"It needs {parts} and {last.count} {last.pl if last.count > 1 else last.sing}.",
             f"The {dish} bakes for {self.pick([20, 25, 30, 35, 40, 45])} minutes at {self.pick([180, 190, 200])} degrees.",
             self.pick([f"{p} is making it for a party of {serves * self.n(2, 3)} guests this weekend.",
                        f"{p} learned it from a grandmother who lived in {self.pick(TOWNS)}."])]
        fill = ["It tastes best when served warm with a cup of tea.",
                f"Leftovers keep in the fridge for {self.n(2, 4)} days.",
                "The kitchen smelled wonderful for the rest of the afternoon."]
        f = Facts("recipe", p, [], dish, things, unit="people")
        f.nums = [serves]
        f.words = [t.sing.split()[-1] for t in things] + [dish.split()[-1]]
        return self.finish(s, f, fill)

    def sports(self):
        r = self.rng
        sport, pts, games = self.pick(SPORTS)
        t1, t2 = r.sample(TEAMS, 2)
        p, q = self.names(2)
        a, b = self.n(1, 9) if pts == "goals" else self.n(20, 90), 0
        b = self.n(0, a - 1) if a > 0 else 0
        scores = [self.n(2, 20) for _ in range(3)]
        s = [f"In the {sport} final, the {t1} beat the {t2} {a} to {b}.",
             f"{p} scored {scores[0]} {pts} and {q} added {scores[1]}.",
             f"Over the season the {t1} played {self.n(10, 20)} {games} and won {self.n(5, 9)} of them.",
             self.pick([f"The stadium holds {self.n(2, 9)} thousand fans and was full.",
                        f"Coach {self.pick(SURNAMES)} said the team trained {self.n(3, 5)} times a week."])]
        fill = [f"{p} has scored {scores[2]} {pts} in the last three {games}.",
                "Fans celebrated in the streets long after the final whistle.",
                f"Tickets sold out in {self.n(2, 6)} hours."]
        f = Facts("sports", p, [q], t1, [Thing(pts[:-1], pts, scores[0]), Thing(pts[:-1], pts, scores[1])], unit=pts)
        f.words = [p, q, t1.split()[-1], t2.split()[-1], sport]
        return self.finish(s, f, fill)

    def school(self):
        r = self.rng
        p, q, w = self.names(3)
        subs = r.sample(SUBJECTS, 3)
        marks = [self.n(5, 10) for _ in subs]
        n_students = self.n(18, 32)
        s = [f"There are {n_students} students in {q}'s class at {self.pick(TOWNS)} School.",
             f"On the last test, {p} scored {marks[0]} out of 10 in {subs[0]}, {marks[1]} in {subs[1]} and {marks[2]} in {subs[2]}.",
             self.pick([f"{w} got the top mark in {subs[0]} with {self.n(9, 10)} out of 10.",
                        f"The teacher, Ms. {self.pick(SURNAMES)}, hands back tests every {self.pick(DAYS)}."]),
             f"Each student must read {self.n(2, 5)} books this term."]
        fill = [f"The class has {subs[1]} right after lunch.",
                f"{p} wants to study {subs[2]} at university one day.",
                "The school library is open until five o'clock."]
        f = Facts("school", p, [q, w], "school", [Thing("student", "students", n_students)], unit="points")
        f.nums = marks
        f.words = subs + [p, q, w]
        return self.finish(s, f, fill)

    def garden(self):
        r = self.rng
        p = self.pick(NAMES)
        plants = r.sample(PRODUCE, 3)
        rows = self.n(2, 6)
        per = self.n(3, 8)
        things = [Thing(a, b, self.n(4, 24)) for a, b in plants]
        s = [f"{p} planted a vegetable garden behind the house in {self.pick(TOWNS)} this spring.",
             f"There are {rows} rows with {per} {things[0].pl} in each row.",
             f"{p} also grows {things[1].count} {things[1].pl} and {things[2].count} {things[2].pl}.",
             self.pick([f"The garden gets watered every {self.n(2, 3)} days with about {self.n(10, 30)} liters of water.",
                        f"A bag of compost costs {_money(self.n(4, 12))}, and {p} used {self.n(2, 5)} bags."])]
        fill = ["Snails are the biggest problem after a rainy night.", f"{p}'s neighbor gave good advice about tomatoes.",
                "The first harvest came in early July."]
        things[0].count = rows * per
        f = Facts("garden", p, [], "garden", things, unit="plants")
        f.nums = [rows, per]
        f.words = [t.sing for t in things] + [p]
        return self.finish(s, f, fill)

    def savings(self):
        p = self.pick(NAMES)
        goal_item = self.pick(["bike", "guitar", "tablet", "camera", "skateboard", "telescope", "tent", "keyboard"])
        price = self.n(6, 30) * 10
        weekly = self.pick([5, 10, 15, 20, 25])
        have = self.n(2, 8) * 5
        s = [f"{p} is saving up for a new {goal_item} that costs {_money(price)}.",
             f"So far {p} has saved {_money(have)} in a jar on the shelf.",
             f"Every week {p} adds {_money(weekly)} from a weekend job at {self.pick(SHOPS)}.",
             self.pick([f"Grandpa promised to add {_money(self.n(1, 5) * 10)} on {p}'s birthday.",
                        f"{p} also earns {_money(self.n(2, 8))} for each lawn mowed."])]
        fill = [f"The {goal_item} is on display in a shop window in {self.pick(TOWNS)}.",
                f"{p} writes the total in a small notebook every {self.pick(DAYS)}."]
        f = Facts("savings", p, [], goal_item, [Thing(goal_item, goal_item + "s", 1, price)], unit="dollars")
        f.words = [p, goal_item, "jar", "savings"]
        return self.finish(s, f, fill)

    def records(self):
        r = self.rng
        p = self.pick(NAMES)
        what = self.pick([("temperature", "degrees"), ("visitors", "people"), ("steps", "thousand steps"),
                          ("rainfall", "millimeters"), ("orders", "orders")])
        days = r.sample(DAYS[:5], 4)
        days.sort(key=DAYS.index)
        vals = [self.n(3, 30) for _ in days]
        pairs = ", ".join(f"{v} on {d}" for v, d in zip(vals[:-1], days[:-1]))
        s = [f"{p} keeps a log of daily {what[0]} in a spreadsheet.",
             f"Last week the log shows {pairs}, and {vals[-1]} on {days[-1]}.",
             self.pick([f"The highest value so far this year is {max(vals) + self.n(1, 9)} {what[1]}.",
                        f"{p} shares the file with {self.pick(NAMES)} every Friday."])]
        fill = ["Each row of the spreadsheet has a date and a value.",
                f"{p} plans to make a chart of the numbers at the end of the month."]
        f = Facts("records", p, [], "log", [Thing(d, d, v) for d, v in zip(days, vals)], unit=what[1])
        f.nums = vals
        f.words = days + [what[0]]
        return self.finish(s, f, fill)

    def inventory(self):
        r = self.rng
        p = self.pick(NAMES)
        shop = self.pick(SHOPS)
        items = r.sample(SHOP_ITEMS, 3)
        things = [Thing(a, b, self.n(5, 40), self.n(lo, hi)) for a, b, lo, hi in items]
        s = [f"At closing time {p} counted the stock at {shop}."]
        for t in things:
            s.append(self.pick([f"There were {t.count} {t.pl} left on the shelves, priced at {_money(t.price)} each.",
                                f"The storeroom held {t.count} {t.pl}, which sell for {_money(t.price)} each."]))
        s.append(f"A delivery of {self.n(2, 6) * 10} more {things[0].pl} is due on {self.pick(DAYS)}.")
        fill = [f"{p} writes the counts on a clipboard by the door.", "The store will close early for the holiday."]
        f = Facts("inventory", p, [], shop, things, unit="dollars")
        f.words = [t.sing.split()[-1] for t in things]
        return self.finish(s, f, fill)

    def text_note(self):
        r = self.rng
        p, q = self.names(2)
        ws = r.sample(WORDS, 5)
        phrase = f"the {ws[0]} and the {ws[1]} meet at the {ws[2]}"
        s = [f"{p} left a note for {q} on the kitchen table.",
             f"It said: \"{phrase[0].upper() + phrase[1:]}.\"",
             f"{q} counted {len(phrase.split())} words in the note and laughed, because it was a riddle.",
             f"The answer, {p} explained later, was the word \"{ws[3]}\", which has {len(ws[3])} letters."]
        fill = [f"{q} wrote back with a riddle about a {ws[4]}.", "They have been swapping notes like this for years."]
        f = Facts("text", p, [q], "note", [], phrase=phrase, unit="words")
        f.words = ws
        return self.finish(s, f, fill)

    def word_list(self):
        r = self.rng
        p = self.pick(NAMES)
        ws = r.sample(WORDS, r.randint(5, 7))
        s = [f"For the spelling bee in {self.pick(TOWNS)}, {p} practiced a list of {len(ws)} words.",
             f"The words were {', '.join(ws[:-1])} and {ws[-1]}.",
             f"The longest one, \"{max(ws, key=len)}\", has {len(max(ws, key=len))} letters.",
             f"{p} spelled {self.n(3, len(ws))} of them correctly on the first try."]
        fill = [f"The contest starts at {self.n(9, 11)} o'clock in the school hall.",
                f"{p}'s brother read the words aloud every evening."]
        f = Facts("words", p, [], "spelling bee", [Thing("word", "words", len(ws))], unit="words")
        f.words = ws
        return self.finish(s, f, fill)

    def club(self):
        r = self.rng
        members = self.names(r.randint(4, 6))
        club = self.pick(["chess club", "choir", "hiking group", "book club", "robotics team", "art class"])
        ages = [self.n(9, 16) for _ in members]
        fee = self.n(2, 10)
        s = [f"The {club} in {self.pick(TOWNS)} has {len(members)} members: {', '.join(members[:-1])} and {members[-1]}.",
             f"{members[0]} is the youngest at {min(ages)}, and {members[1]} is {max(ages)}.",
             f"Each member pays {_money(fee)} a month, and the group meets every {self.pick(DAYS)}.",
             f"Last month they met {self.n(3, 5)} times."]
        fill = [f"{members[2]} brings snacks to every meeting.", "New members are always welcome."]
        f = Facts("club", members[0], members[1:], club, [Thing("member", "members", len(members), fee)], unit="dollars")
        f.nums = ages
        f.words = members
        return self.finish(s, f, fill)

    def files(self):
        r = self.rng
        p = self.pick(NAMES)
        stems = r.sample(FILE_STEMS, 4)
        names = [f"{st}.{self.pick(FILE_EXTS)}" for st in stems]
        sizes = [self.n(2, 60) for _ in names]
        s = [f"{p}'s project folder holds {len(names)} files: {', '.join(names[:-1])} and {names[-1]}.",
             f"The largest, {names[sizes.index(max(sizes))]}, is {max(sizes)} kilobytes, and {names[0]} is {sizes[0]} kilobytes.",
             f"{p} backs the folder up to a USB stick every {self.pick(DAYS)}.",
             self.pick([f"The stick has room for {self.n(2, 9) * 100} kilobytes.",
                        f"{p} renamed {self.n(1, 3)} of the files last week."])]
        fill = ["Old drafts are moved to an archive folder.", f"{p} uses lowercase names without spaces."]
        f = Facts("files", p, [], "folder", [Thing(n, n, sz) for n, sz in zip(names, sizes)], unit="kilobytes")
        f.words = names
        return self.finish(s, f, fill)

    def farm(self):
        r = self.rng
        p = self.pick(NAMES)
        animals = r.sample(ANIMALS, 3)
        things = [Thing(a, b, self.n(3, 25)) for a, b in animals]
        eggs = self.n(2, 9) * 6
        s = [f"{p}'s farm outside {self.pick(TOWNS)} keeps {things[0].count} {things[0].pl}, "
             f"{things[1].count} {things[1].pl} and {things[2].count} {things[2].pl}.",
             f"Every morning {p} collects about {eggs} eggs and sells them in boxes of {self.pick([6, 12])}.",
             f"A box of eggs sells for {_money(self.n(3, 6))} at the gate."]
        fill = ["The barn was painted red last summer.", f"{p} wakes up at {self.n(4, 6)} o'clock to feed the animals."]
        f = Facts("farm", p, [], "farm", things, unit="animals")
        f.nums = [eggs]
        f.words = [t.sing for t in things] + [p]
        return self.finish(s, f, fill)

    def library(self):
        r = self.rng
        p, q = self.names(2)
        loans = [self.n(10, 60) for _ in range(3)]
        days = r.sample(DAYS[:6], 3)
        days.sort(key=DAYS.index)
        s = [f"The public library in {self.pick(TOWNS)} lent {loans[0]} books on {days[0]}, {loans[1]} on {days[1]} "
             f"and {loans[2]} on {days[2]}.",
             f"Books can be kept for {self.pick([7, 14, 21])} days, and the late fee is {_money(self.n(1, 3))} a day.",
             f"{p}, the librarian, shelves returned books every afternoon with help from {q}."]
        fill = ["The reading room is quiet except on story mornings.",
                f"The library owns about {self.n(2, 9)} thousand books."]
        f = Facts("library", p, [q], "library", [Thing(d, d, v) for d, v in zip(days, loans)], unit="books")
        f.nums = loans
        f.words = days + ["library", p]
        return self.finish(s, f, fill)

    def fundraiser(self):
        p, q = self.names(2)
        cause = self.pick(["new playground", "animal shelter", "school trip", "community garden", "library books"])
        price = self.n(2, 6)
        sold = self.n(20, 80)
        goal = self.n(3, 9) * 100
        s = [f"The bake sale in {self.pick(TOWNS)} raised money for the {cause}.",
             f"{p} sold {sold} cookies at {_money(price)} each, and {q} sold {self.n(10, 40)} slices of cake.",
             f"The goal is to raise {_money(goal)} by the end of {self.pick(MONTHS)}.",
             self.pick([f"Last year the sale raised {_money(self.n(2, 6) * 100)}.",
                        f"{self.n(5, 15)} volunteers helped run the tables."])]
        fill = ["Parents donated most of the baking.", "Everything was sold out before noon."]
        f = Facts("fundraiser", p, [q], cause, [Thing("cookie", "cookies", sold, price)], unit="dollars")
        f.words = [p, q, "cookie", "cake"]
        return self.finish(s, f, fill)

    def weather(self):
        r = self.rng
        town = self.pick(TOWNS)
        days = DAYS[:5]
        temps = [self.n(8, 30) for _ in days]
        p = self.pick(NAMES)
        s = [f"The weather report for {town} gives highs of {', '.join(str(t) for t in temps[:-1])} and {temps[-1]} "
             f"degrees from Monday to Friday.",
             f"Rain is expected on {self.pick(days)}, with about {self.n(2, 20)} millimeters.",
             f"{p} plans a picnic on the warmest day."]
        fill = ["Nights will be cool and clear.", f"The wind will be light, around {self.n(5, 20)} kilometers per hour."]
        f = Facts("weather", p, [], town, [Thing(d, d, t) for d, t in zip(days, temps)], unit="degrees")
        f.nums = temps
        f.words = days
        return self.finish(s, f, fill)

    def reading(self):
        p, q = self.names(2)
        pages = self.n(8, 30) * 10
        per_day = self.pick([10, 12, 15, 20, 25, 30])
        s = [f"{p} is reading a novel called \"The {self.pick(WORDS).title()} of {self.pick(TOWNS)}\".",
             f"The book has {pages} pages, and {p} reads {per_day} pages every evening.",
             f"{q} is reading the same book but started {self.n(2, 5)} days later.",
             f"They plan to talk about it at the book club on {self.pick(DAYS)}."]
        fill = ["The story follows a lighthouse keeper and a lost dog.", f"{p} reads in bed with a small lamp."]
        f = Facts("reading", p, [q], "book", [Thing("page", "pages", pages)], unit="pages")
        f.nums = [pages, per_day]
        f.words = [p, q, "novel", "page"]
        return self.finish(s, f, fill)


def _numbers_in(text: str) -> list[str]:
    out, cur = [], ""
    for ch in text:
        if ch.isdigit():
            cur += ch
        else:
            if cur:
                out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


if __name__ == "__main__":
    pm = PassageMaker(random.Random(1))
    for _ in range(6):
        t, f = pm.make()
        print(len(t), t, "\n   ", f, "\n")
