//! Surface forms of protected health information: names from several naming traditions, dates
//! in the formats clinical notes use, ages, record numbers, phone numbers, hospitals, cities and
//! street addresses. Name pools are split in two: the `held_out` halves only ever appear in
//! notes of the test templates (at the share the config asks), so a tagger must recognise names
//! it has never seen, as on real notes.

use deepfield_core::rng::Rng;

use super::PhiType;

const FIRST: &[&str] = &[
    "James", "Maria", "Wei", "Fatima", "Olusegun", "Priya", "John", "Elena", "Hiroshi", "Aisha",
    "Robert", "Sofia", "Mohammed", "Linda", "Carlos", "Mei", "David", "Anna", "Kwame", "Yuki",
    "Michael", "Isabel", "Arjun", "Grace", "Ahmed", "Chloe", "Thomas", "Lucia", "Dmitri", "Nia",
    "William", "Rosa", "Jamal", "Emily", "Tariq", "Hannah", "Luis", "Ingrid", "Kenji", "Amara",
    "Patrick", "Leila", "Samuel", "Zoe", "Rahul", "Martha", "Diego", "Svetlana", "Omar", "Ruth",
];
const FIRST_HELD_OUT: &[&str] = &[
    "Bartholomew",
    "Yesenia",
    "Chidi",
    "Annika",
    "Takumi",
    "Rosalind",
    "Esperanza",
    "Lars",
    "Ngozi",
    "Xiulan",
    "Desmond",
    "Margarethe",
    "Ravindra",
    "Ines",
    "Thaddeus",
    "Oksana",
];
const LAST: &[&str] = &[
    "Smith",
    "Garcia",
    "Chen",
    "Okafor",
    "Patel",
    "Johnson",
    "Rossi",
    "Tanaka",
    "Haddad",
    "Williams",
    "Nguyen",
    "Kowalski",
    "Brown",
    "Martinez",
    "Kim",
    "Adeyemi",
    "Miller",
    "Silva",
    "Ivanova",
    "Davis",
    "Lopez",
    "Wang",
    "Mensah",
    "Wilson",
    "Hernandez",
    "Singh",
    "Anderson",
    "Murphy",
    "Yamamoto",
    "Taylor",
    "Fischer",
    "Moore",
    "Gonzalez",
    "Ali",
    "Jackson",
    "Novak",
    "Martin",
    "Clarke",
    "Sato",
    "Thompson",
    "Ramirez",
    "Baker",
    "Osei",
    "O'Brien",
    "Schmidt",
    "McCarthy",
    "Dubois",
    "Larsen",
    "Cohen",
    "Reyes",
];
const LAST_HELD_OUT: &[&str] = &[
    "Vandermeer",
    "Oyelaran",
    "Szczepanski",
    "Featherstone",
    "Nakagawa",
    "Abernathy",
    "Quintanilla",
    "Lindqvist",
    "Mbeki",
    "Castellanos",
    "Hargreaves",
    "Petrosyan",
    "Wojcik",
    "Achterberg",
    "Delacroix",
    "Thorsen",
];
const CITIES: &[&str] = &[
    "Boston",
    "Springfield",
    "Worcester",
    "Portland",
    "Lowell",
    "Cambridge",
    "Hartford",
    "Providence",
    "Albany",
    "Newton",
    "Quincy",
    "Salem",
    "Burlington",
    "Concord",
    "Framingham",
    "New Haven",
    "Fall River",
    "San Antonio",
    "Des Moines",
    "Baton Rouge",
    "Ann Arbor",
];
const HOSPITAL_STEMS: &[&str] = &[
    "Mercy",
    "Good Samaritan",
    "Riverside",
    "Lakeview",
    "St. Luke's",
    "St. Mary's",
    "Beth Israel",
    "Memorial",
    "Brigham",
    "Mount Sinai",
    "Sacred Heart",
    "Baystate",
    "Parkland",
    "Cedar Grove",
];
const HOSPITAL_KINDS: &[&str] = &[
    "Hospital",
    "Medical Center",
    "General Hospital",
    "Regional Medical Center",
    "Clinic",
    "Health Center",
    "Community Hospital",
];
const STREET_NAMES: &[&str] = &[
    "Main",
    "Oak",
    "Maple",
    "Washington",
    "Elm",
    "Beacon",
    "Lincoln",
    "Highland",
    "Pleasant",
    "Park",
    "Cedar",
    "Summer",
    "Prospect",
    "Walnut",
    "Chestnut",
    "Harrison",
];
const STREET_KINDS: &[&str] = &[
    "St.", "Street", "Ave.", "Avenue", "Rd.", "Road", "Lane", "Drive", "Blvd",
];
const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.below(xs.len())]
}

fn first(rng: &mut Rng, held_out: bool) -> &'static str {
    pick(rng, if held_out { FIRST_HELD_OUT } else { FIRST })
}

fn last(rng: &mut Rng, held_out: bool) -> &'static str {
    pick(rng, if held_out { LAST_HELD_OUT } else { LAST })
}

/// A full name in one of the forms notes write them.
pub fn full_name(rng: &mut Rng, held_out: bool) -> String {
    let (f, l) = (first(rng, held_out), last(rng, held_out));
    match rng.below(6) {
        0 => format!("{l}, {f}"),
        1 => format!("{}. {l}", &f[..1]),
        2 => format!("{f} {}. {l}", pick(rng, &["A", "B", "J", "M", "R", "T"])),
        3 => format!("{} {}", f.to_uppercase(), l.to_uppercase()),
        _ => format!("{f} {l}"),
    }
}

/// A surname alone (after a title in the template: `Dr. {LAST}`).
pub fn surname(rng: &mut Rng, held_out: bool) -> String {
    last(rng, held_out).to_string()
}

/// A given name alone.
pub fn given_name(rng: &mut Rng, held_out: bool) -> String {
    first(rng, held_out).to_string()
}

/// A date in one of twelve formats.
pub fn date(rng: &mut Rng) -> String {
    let (y, m, d) = (1995 + rng.below(31), 1 + rng.below(12), 1 + rng.below(28));
    let month = MONTHS[m - 1];
    let mon = &month[..3];
    match rng.below(12) {
        0 => format!("{m:02}/{d:02}/{y}"),
        1 => format!("{m}/{d}/{:02}", y % 100),
        2 => format!("{month} {d}, {y}"),
        3 => format!("{d} {mon} {y}"),
        4 => format!("{y}-{m:02}-{d:02}"),
        5 => format!("{mon} {d}"),
        6 => format!("{m:02}-{d:02}-{y}"),
        7 => format!("{month} {y}"),
        8 => format!("{m}/{d}"),
        9 => format!("{d}.{m}.{y}"),
        10 => format!("{mon}. {d}, {y}"),
        _ => format!("{month} {d}"),
    }
}

/// An age in years (older patients more often, as in inpatient notes; over-89 ages occur).
pub fn age(rng: &mut Rng) -> String {
    let a = if rng.uniform() < 0.1 {
        90 + rng.below(10)
    } else {
        18 + rng.below(72)
    };
    a.to_string()
}

/// A medical record number, account number or other identifier.
pub fn id(rng: &mut Rng) -> String {
    let n = |rng: &mut Rng, k: usize| -> String {
        (0..k)
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect()
    };
    match rng.below(5) {
        0 => n(rng, 7),
        1 => format!("{}-{}-{}", n(rng, 3), n(rng, 2), n(rng, 4)),
        2 => format!("{}{}", char::from(b'A' + rng.below(26) as u8), n(rng, 8)),
        3 => format!("{}-{}", n(rng, 4), n(rng, 5)),
        _ => format!("MRN{}", n(rng, 6)),
    }
}

/// A phone or pager number.
pub fn phone(rng: &mut Rng) -> String {
    let a = 200 + rng.below(800);
    let b = 200 + rng.below(800);
    let c = rng.below(10000);
    match rng.below(5) {
        0 => format!("({a}) {b}-{c:04}"),
        1 => format!("{a}-{b}-{c:04}"),
        2 => format!("{a}.{b}.{c:04}"),
        3 => format!("x{}", 1000 + rng.below(9000)),
        _ => format!("{b}-{c:04}"),
    }
}

/// A hospital or clinic name.
pub fn hospital(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("{} {}", pick(rng, CITIES), pick(rng, HOSPITAL_KINDS)),
        _ => format!(
            "{} {}",
            pick(rng, HOSPITAL_STEMS),
            pick(rng, HOSPITAL_KINDS)
        ),
    }
}

/// A city.
pub fn city(rng: &mut Rng) -> String {
    pick(rng, CITIES).to_string()
}

/// A street address.
pub fn street(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        1 + rng.below(999),
        pick(rng, STREET_NAMES),
        pick(rng, STREET_KINDS)
    )
}

/// A value of a slot; `held_out` draws names from the held-out pools.
pub fn value(slot: &str, rng: &mut Rng, held_out: bool) -> Option<(PhiType, String)> {
    Some(match slot {
        "NAME" => (PhiType::Name, full_name(rng, held_out)),
        "LAST" => (PhiType::Name, surname(rng, held_out)),
        "FIRST" => (PhiType::Name, given_name(rng, held_out)),
        "DATE" => (PhiType::Date, date(rng)),
        "AGE" => (PhiType::Age, age(rng)),
        "ID" => (PhiType::Id, id(rng)),
        "PHONE" => (PhiType::Phone, phone(rng)),
        "HOSPITAL" => (PhiType::Hospital, hospital(rng)),
        "CITY" => (PhiType::City, city(rng)),
        "STREET" => (PhiType::Street, street(rng)),
        _ => return None,
    })
}

#[cfg(test)]
pub(crate) const FIRST_HELD_OUT_FOR_TESTS: &[&str] = FIRST_HELD_OUT;
#[cfg(test)]
pub(crate) const LAST_HELD_OUT_FOR_TESTS: &[&str] = LAST_HELD_OUT;
