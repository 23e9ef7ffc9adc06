"""Two files a user would bring to the map: a family trip to Japan planned in Markdown (headings become groups,
bullets become notes) and house renovation notes in a CSV with title, text and group columns."""
from __future__ import annotations

import csv
import io

JAPAN_GROUPS = ("Tokyo", "Kyoto", "Osaka & Nara", "Hakone & Fuji", "Food", "Getting around", "Budget & bookings")

JAPAN_MD = """\
# Family trip to Japan, April

## Tokyo

- Four nights in Shinjuku, the hotel is two minutes from the south exit of the station.
- teamLab Planets: book the 9:00 slot, the kids want the koi room
- Senso-ji early morning before the crowds, then Nakamise street for snacks
- Ghibli Museum tickets go on sale on the 10th of the month before at 10:00 JST. They sell out within an hour, \
so set an alarm and have everyone's names ready. No photos allowed inside.
- Shibuya crossing at dusk from the Starbucks window
- Day trip to Kamakura for the big Buddha?
- Ueno park and zoo if it rains less than forecast

## Kyoto

- Fushimi Inari at 7am, only walk up to the Yotsutsuji viewpoint with the kids
- Arashiyama bamboo grove, then rent bikes along the river
- Kinkaku-ji and Ryoan-ji on the same afternoon
- Stay in a ryokan for at least one night. Dinner is served in the room around 18:00, so no late plans \
that day. Ask whether they have futons for children or need to add one.
- Gion in the evening, maybe spot a maiko
- Tea ceremony class for the four of us, about 1.5 hours

## Osaka & Nara

- Nara deer park: buy the crackers at the stalls, keep the map away from the deer
- Todai-ji great Buddha hall
- Dotonbori at night for the neon signs and street food
- Universal Studios: Super Nintendo World needs a timed entry ticket. Buy the Express Pass in advance, \
otherwise we'd queue most of the day.
- Osaka castle park picnic if the cherry blossoms are still out

## Hakone & Fuji

- Hakone Free Pass covers the ropeway, the pirate ship and the buses
- Onsen with a private bath, our youngest won't go in the public one
- Lake Kawaguchiko for the Fuji view, best chance of a clear sky early in the morning
- Owakudani black eggs, supposedly each one adds seven years to your life
- Open-air museum in Hakone with the big playground for the kids
- Check the weather the night before and swap the days if Fuji will be hidden in cloud

## Food

- Conveyor-belt sushi at least once, the kids will love ordering on the tablet
- Ramen at Ichiran, solo booths
- Okonomiyaki in Osaka, cooked at the table
- Convenience store breakfasts: onigiri, egg sandwiches and yoghurt drinks
- Our eldest is allergic to peanuts. Carry the allergy card in Japanese and show it at every restaurant. \
Pack two EpiPens in the day bag.
- Matcha ice cream in Uji

## Getting around

- 7-day JR Pass, cheaper than separate Shinkansen tickets for Tokyo-Kyoto-Tokyo
- Suica cards for everyone, top up at any station machine
- Luggage forwarding (takkyubin) from Tokyo to Kyoto so we don't carry suitcases on the train
- Reserve seats on the Shinkansen, right side for Mount Fuji
- Google Maps works well for trains, download offline maps too

## Budget & bookings

- Flights booked, 3,450 EUR for four, seats together confirmed
- Hotels come to about 2,100 EUR for 12 nights
- Pocket WiFi or eSIM? eSIM is cheaper, but the kids' phones don't support it
- Travel insurance must cover the allergy
- Daily spending around 150 EUR for food, tickets and souvenirs
"""

RENOVATION_GROUPS = ("Kitchen", "Bathroom", "Budget", "Contractors", "Permits & planning", "Electrics & heating",
                     "Flooring & walls")

_RENOVATION = {
    "Kitchen": [
        ("Worktop", "Quartz worktop instead of laminate, about 2,400 fitted"),
        ("Island", "Kitchen island with seating for three, needs 1 m clearance on each side"),
        ("Cabinets", "Handleless cabinets in sage green, soft close drawers for pans"),
        ("Extractor", "Ducted extractor hood, the duct must go through the outside wall above the window"),
        ("Sink", "Undermount sink with a boiling water tap"),
        ("Appliances", "Integrated dishwasher and fridge freezer. Check the exact niche sizes before ordering, "
                       "the old fridge was 5 cm narrower. Oven at eye level in a tall unit."),
        ("Lighting", "Under-cabinet LED strips and three pendants over the island"),
        ("Pantry", "Turn the old broom cupboard into a pull-out pantry"),
        ("Splashback", "Zellige tiles behind the hob, plain white elsewhere"),
    ],
    "Bathroom": [
        ("Walk-in shower", "Walk-in shower with a glass screen, no tray, linear drain"),
        ("Underfloor heating", "Electric underfloor heating in the bathroom only"),
        ("Vanity", "Wall-hung vanity with two drawers, 80 cm wide"),
        ("Toilet", "Concealed cistern toilet, the frame goes in before tiling"),
        ("Ventilation", "Extractor fan with humidity sensor, the old one is too weak and the ceiling is getting "
                        "mouldy"),
        ("Tiles", "Large format tiles on the floor, fewer grout lines to clean"),
        ("Bath", "Keep the bath for the kids or not? We use it twice a week. If it goes, the shower can be "
                 "much larger and we gain storage."),
        ("Mirror", "Mirror cabinet with lights and a shaver socket"),
    ],
    "Budget": [
        ("Total", "Total budget 45,000 EUR including VAT, hard ceiling"),
        ("Contingency", "Keep 10% aside for surprises behind the walls"),
        ("Loan", "Renovation loan approved: 30k at 4.1% over 8 years"),
        ("Kitchen quote", "Kitchen quote is 19,800, we have to cut about 3k"),
        ("Receipts", "Every receipt goes into the shared spreadsheet the same day"),
        ("Grant", "Apply for the energy efficiency grant before the insulation work starts. The grant office "
                  "needs photos of the walls before and after, and the installer must be certified."),
        ("Savings", "Refinishing the oak floors instead of replacing them saves about 4,000"),
        ("Monthly", "Repayments must stay under 550 a month"),
    ],
    "Contractors": [
        ("Plumber", "Three plumbers called, only one came to look at the job"),
        ("Electrician", "Electrician can start on the 14th, wants 30% deposit"),
        ("Builder references", "Ask the builder for insurance papers and two past clients to call"),
        ("Quotes", "Get at least three written quotes for the roof"),
        ("Tiler", "The tiler missed two appointments, look for another one"),
        ("Schedule", "Plumber first fix, then electrician, then plasterer, then tiler. Nobody should wait for "
                     "anyone, so book them a week apart."),
        ("Contract", "The contract must say who takes away the rubble"),
        ("Joiner", "The joiner the neighbours recommended also builds fitted wardrobes"),
        ("Painter", "Painter only takes cash, not comfortable with that"),
    ],
    "Permits & planning": [
        ("Load-bearing wall", "Structural engineer to check the wall between kitchen and dining room"),
        ("Building control", "Notify building control before removing the wall"),
        ("Neighbours", "Tell the neighbours about the noise, skip on the street for six weeks"),
        ("Skip permit", "Council permit for the skip, 60 EUR a week"),
        ("Asbestos", "Asbestos test on the old floor tiles before anyone breaks them"),
        ("Drawings", "Architect's drawings for the extension are due in March"),
        ("Party wall", "Party wall agreement with next door before the steel beam goes in"),
        ("Moving out", "Where do we live during the work? Mum's flat is free in May, but it's a long commute "
                       "for school. Renting nearby costs about 1,200 a month."),
    ],
    "Electrics & heating": [
        ("Consumer unit", "New consumer unit, the old fuse box fails inspection"),
        ("Sockets", "Double sockets every two metres in the kitchen, USB ones by the island"),
        ("Heat pump", "Quote for an air source heat pump to replace the gas boiler"),
        ("Radiators", "Bigger radiators in the living room if we get the heat pump"),
        ("Smart thermostat", "Smart thermostat with a schedule per room"),
        ("Outdoor light", "Outside light with a motion sensor by the back door"),
        ("Rewire", "Partial rewire of the ground floor while the walls are open"),
        ("Insulation", "Insulate the loft to 300 mm and the front wall from inside"),
        ("Solar", "Ask about solar panels on the south roof while the scaffold is up"),
    ],
    "Flooring & walls": [
        ("Oak floors", "Sand and oil the oak floors in the hall and living room"),
        ("Skirting", "Replace the skirting boards, the old ones are chipped everywhere"),
        ("Plaster", "Replaster the hallway, the cracks keep coming back"),
        ("Paint", "Paint colours: warm white for the walls, dark blue in the study"),
        ("Kitchen floor", "Porcelain tiles in the kitchen that look like stone"),
        ("Stairs", "Carpet runner on the stairs, the kids slip in socks"),
        ("Damp", "Damp patch under the bay window, find the cause before painting"),
        ("Doors", "Sand down and rehang the internal doors, they all stick"),
        ("Wallpaper", "Feature wallpaper in the dining room"),
    ],
}


def _csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["title", "text", "group"])
    for group, notes in _RENOVATION.items():
        writer.writerows((title, text, group) for title, text in notes)
    return out.getvalue()


RENOVATION_CSV = _csv()
RENOVATION_ROWS = sum(len(notes) for notes in _RENOVATION.values())
