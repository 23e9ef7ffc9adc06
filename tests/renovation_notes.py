"""Sixty home-renovation notes as people jot them down (amounts, dates, brand names, plurals), ten on each of
six topics, and the notes the cluster tests add, edit or remove."""

INSTRUCTION = "Represent the renovation note for grouping by topic: "

TOPICS = {
    "budget": [
        "Total budget for the kitchen and bathroom is 38,000 EUR, that's the hard ceiling",
        "Put aside 10% contingency, everyone says renovations always go over budget",
        "Bank approved the home improvement loan: 25k at 4.2% over 7 years",
        "Spent 2,700 so far on demolition and skip hire, way more than we planned",
        "Track every receipt in the shared spreadsheet, Mark keeps forgetting to add his",
        "Kitchen quote came in at 18,400, we need to cut 3k somewhere",
        "Ask the accountant about VAT: can we claim the reduced 5% rate on the energy upgrades?",
        "Cheaper to refinish the old floors than replace them, saves about 4,000",
        "Mum offered to lend us 5k if the loan falls short",
        "Monthly repayments have to stay under 600 or we can't afford it",
    ],
    "contractors": [
        "Called three plumbers, only Dave from PipeWorks called back",
        "Electrician can start on the 14th but wants a 30% deposit upfront",
        "Check the reviews for Kowalski Builders before signing anything",
        "The tiler never showed up on Tuesday, again. Find someone else?",
        "Get at least 3 written quotes for the roof job",
        "Ask the builder if he's insured and for references from past clients",
        "Joiner recommended by the neighbours, does fitted wardrobes too",
        "Plasterer charges 250 a day, says 4 days for the hallway",
        "Contract should say who removes the rubble and cleans up afterwards",
        "Painter wants cash only, not comfortable with that",
    ],
    "appliances": [
        "Bosch dishwasher, the quiet 44 dB one, check it fits the 60cm gap",
        "Induction hob vs gas: induction is faster and much easier to clean",
        "Fridge freezer has to be integrated, max 178cm tall",
        "Samsung washer dryers have terrible reviews for the drum bearings",
        "Extractor hood should be ducted, not recirculating, or the whole house smells of cooking",
        "Miele oven with pyrolytic cleaning is on sale until Sunday",
        "Boiler is 18 years old, replace it with a combi or go for a heat pump?",
        "Quooker boiling water tap costs 1,200, a luxury but we'd use it every day",
        "Need a bigger hot water cylinder if we add the second shower",
        "Compare the energy labels, A rated fridges are worth the extra money",
    ],
    "design": [
        "Sage green cabinets with brass handles, saw it on Pinterest",
        "Open shelving instead of wall units on the window side",
        "Herringbone oak floor in the hallway and the living room",
        "Matte black taps and shower fittings, no chrome anywhere",
        "Terrazzo tiles for the bathroom floor with white grout",
        "Knock through to make an open plan kitchen diner",
        "Paint samples: Farrow & Ball Hague Blue for the study walls",
        "Three pendant lights in a row over the island",
        "Walk-in shower with a glass screen and no tray",
        "Keep the original fireplace and the cornicing in the front room",
    ],
    "permits": [
        "Do we need planning permission for the rear extension? Check permitted development rules",
        "Building regs sign-off needed for the new electrics (Part P certificate)",
        "Send the party wall notice to both neighbours 2 months before work starts",
        "Council planning portal: application ref 23/01456/HOU, decision due in 8 weeks",
        "We're in a conservation area, so the windows must be timber, no uPVC",
        "Building control inspection booked for the foundations",
        "Gas Safe certificate for the new boiler, keep it for when we sell",
        "Listed building consent? Surveyor says no, the house isn't listed",
        "A skip on the road needs a council licence, 60 for two weeks",
        "Structural engineer's calcs for the steel beam, building control wants them",
    ],
    "timeline": [
        "Kitchen fitted by the end of March so we can host Easter",
        "Demolition the week of 6 May, we move to my sister's for 2 weeks",
        "New windows have a 10-12 week lead time, order them now",
        "Bathroom has to be finished before the baby arrives in August",
        "Plastering can't start until the first fix electrics are done",
        "Schedule: strip out, first fix, plaster, second fix, decorate",
        "Worktops get templated after the units go in, then 2 weeks to fit",
        "Everything slips by a week whenever it rains because of the scaffolding",
        "Aim to have the whole ground floor done by Christmas",
        "Book the floor sanding for after the painting, not before",
    ],
}

NOTES = [note for notes in TOPICS.values() for note in notes]
TRUTH = [topic for topic, notes in TOPICS.items() for _ in notes]

# One word added to one note (a contractor note gets "new").
EDITED = (14, "Get at least 3 written quotes for the new roof job")


def one_more_word(note: str) -> str:
    """The note with one word added at its end, as when someone comes back to mark it."""
    return f"{note} asap"


# Notes written later; the tests add three of them at a time.
LATER = [
    "Flooring came in 900 under budget, put it towards the tiles",
    "Bought a Neff slide and hide oven in the Boxing Day sale",
    "Tiler booked for the last week of June, after the plastering",
    "Second quote for the kitchen is 2k cheaper but has no warranty",
    "Found a plumber who can do the bathroom in May",
    "Smeg fridge in pastel blue, would it go with the tiles?",
    "Herringbone tiles for the splashback, not metro tiles",
    "Do we need building regs approval to move the kitchen sink?",
    "Painting and decorating pushed back to October",
]
ADDED = LATER[:3]  # one each for budget, appliances and the timeline

# Two notes deleted: a design note and a permit note.
REMOVED = [37, 47]
