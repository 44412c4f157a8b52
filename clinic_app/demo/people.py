"""Made-up people and places for the demo clinic.

Phone numbers are in Ofcom's drama ranges and NHS numbers in the 999 test range, so
no demo record can ever reach or match a real person.
"""

from __future__ import annotations

import random

from clinic_app.domain.nhs_number import check_digit

GIVEN_FEMALE = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Mia",
    "Ivy",
    "Lily",
    "Isabella",
    "Rosie",
    "Sophia",
    "Grace",
    "Freya",
    "Florence",
    "Willow",
    "Margaret",
    "Patricia",
    "Susan",
    "Linda",
    "Janet",
    "Carol",
    "Christine",
    "Maureen",
    "Ann",
    "Elizabeth",
    "Jean",
    "Brenda",
    "Sandra",
    "Shirley",
    "Pauline",
    "Joan",
    "Irene",
    "Doreen",
    "Valerie",
    "Sheila",
    "Aisha",
    "Fatima",
    "Priya",
    "Zainab",
    "Niamh",
    "Siobhan",
    "Eilidh",
    "Megan",
    "Chloe",
    "Zoë",
    "Sinéad",
]


GIVEN_MALE = [
    "Oliver",
    "George",
    "Noah",
    "Arthur",
    "Leo",
    "Muhammad",
    "Harry",
    "Oscar",
    "Archie",
    "Henry",
    "Theodore",
    "Jack",
    "Freddie",
    "John",
    "David",
    "Michael",
    "Peter",
    "Robert",
    "William",
    "James",
    "Brian",
    "Alan",
    "Kenneth",
    "Stephen",
    "Graham",
    "Keith",
    "Colin",
    "Derek",
    "Trevor",
    "Raymond",
    "Roy",
    "Dennis",
    "Barry",
    "Gordon",
    "Ravi",
    "Imran",
    "Tariq",
    "Kwame",
    "Declan",
    "Seán",
    "Callum",
    "Rhys",
    "Gareth",
    "Ewan",
]


FAMILY = [
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Lewis",
    "Harris",
    "Clarke",
    "Patel",
    "Jackson",
    "Wood",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Cox",
    "Richards",
    "Khan",
    "Marshall",
    "Anderson",
    "Simpson",
    "Ellis",
    "Adams",
    "Singh",
    "Begum",
    "Wilkinson",
    "Foster",
    "Chapman",
    "Powell",
    "Webb",
    "Rogers",
    "Gray",
    "Mason",
    "Ali",
    "Hunt",
    "Hussain",
    "Campbell",
    "Matthews",
    "Owen",
    "Palmer",
    "Holmes",
    "Mills",
    "Barnes",
    "Knight",
    "Lloyd",
    "Butler",
    "Russell",
    "Barker",
    "Fisher",
    "Stevens",
    "Jenkins",
    "Murray",
    "Dixon",
    "Harvey",
    "O'Brien",
    "O'Connor",
    "McDonald",
    "McKenzie",
    "Okafor",
    "Adeyemi",
    "Nowak",
    "Kowalski",
    "Fernandes",
    "Da Silva",
    "Ó Súilleabháin",
]


STREETS = [
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Green Lane",
    "Manor Road",
    "Park Avenue",
    "Mill Lane",
    "Queens Road",
    "Kings Road",
    "Grange Road",
    "New Street",
    "School Lane",
    "Orchard Close",
    "The Crescent",
    "Windsor Road",
    "Albert Street",
    "Chapel Street",
    "Meadow Way",
    "Elm Grove",
]


TOWNS = (
    ("Leeds", "LS"),
    ("Wakefield", "WF"),
    ("Bradford", "BD"),
    ("Harrogate", "HG"),
    ("Huddersfield", "HD"),
    ("York", "YO"),
)


def nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """Unique valid NHS numbers from the 999 test range."""
    seen: set[str] = set()
    numbers: list[str] = []
    while len(numbers) < count:
        stem = f"999{rng.randrange(1_000_000):06d}"
        digit = check_digit(stem)
        if digit is None or stem in seen:
            continue
        seen.add(stem)
        numbers.append(f"{stem}{digit}")
    return numbers


def phone(rng: random.Random) -> str:
    """A UK mobile number in Ofcom's range reserved for drama (07700 900000-900999)."""
    return f"07700 900{rng.randrange(1000):03d}"


def address(rng: random.Random) -> tuple[str, str, str]:
    town, area = rng.choice(TOWNS)
    street = f"{rng.randrange(1, 180)} {rng.choice(STREETS)}"
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    inward = f"{rng.randrange(1, 10)}{rng.choice(letters)}{rng.choice(letters)}"
    postcode = f"{area}{rng.randrange(1, 30)} {inward}"
    return street, town, postcode
