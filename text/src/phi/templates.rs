//! Sentence templates of clinical notes. `{SLOT}` is a PHI value (NAME, LAST, FIRST, DATE, AGE,
//! ID, PHONE, HOSPITAL, CITY, STREET); `[a|b|c]` picks one wording (abbreviations as notes use
//! them: pt, hx, w/, y/o, f/u, s/p). The training and the test templates are written apart —
//! no test sentence shape is ever seen in training — and both carry distractors: doses, vital
//! signs, lab values, eponyms and months in non-date use, which a tagger must leave alone.

/// Templates notes of the training split are made from.
pub const TRAIN: &[&str] = &[
    "[Patient|Pt|PATIENT] : {NAME}",
    "MRN : {ID}",
    "Date of [admission|admit] : {DATE}",
    "{NAME} is a {AGE} [year old|y/o|yo] [male|female|man|woman] [admitted|presenting] [with|w/] [chest pain|shortness of breath|fever and chills|abdominal pain] .",
    "[The patient|Pt|She|He] was [transferred|sent] from {HOSPITAL} on {DATE} .",
    "[Seen|Evaluated] by Dr. {LAST} in [clinic|the ED|cardiology clinic] on {DATE} .",
    "[Discharged|D/C] to home in {CITY} [with|w/] [family|her daughter|his wife] .",
    "[Please|Pls] call Dr. {LAST} at {PHONE} with [questions|any concerns|results] .",
    "[Lives|Resides] at {STREET} , {CITY} [with|w/] [spouse|son|daughter] .",
    "[Follow up|F/u|Follow-up] [with|w/] Dr. {NAME} at {HOSPITAL} in [2|3|4|6] weeks .",
    "[Prior|Previous] [admission|hospitalization] at {HOSPITAL} in {DATE} for [pneumonia|CHF exacerbation|COPD flare] .",
    "[Emergency contact|Contact] : {NAME} ( [wife|husband|son|daughter|sister] ) {PHONE}",
    "[Account|Acct] [number|#] {ID} , [unit|bed] [4B|7 West|ICU 2] .",
    "[Attending|Attending physician] : {NAME} , MD",
    "[Dictated|Signed] by {NAME} on {DATE}",
    "[She|He|Pt] is [s/p|status post] [CABG|appendectomy|cholecystectomy] in {DATE} at {HOSPITAL} .",
    "[Mother|Father|Brother] [died|passed away] of [MI|stroke|cancer] at age {AGE} .",
    "{FIRST} [reports|states|denies] [nausea|dizziness|pain] since {DATE} .",
    "[Pt|Patient] [was born|born] in {CITY} and [moved|relocated] here in {DATE} .",
    "[Called|Spoke with] {NAME} [at|on] {PHONE} [regarding|re :] [lab results|the plan|medications] .",
    "[Labs|Lab results] from {DATE} : [Hgb 11.2 , WBC 8.4|Na 138 , K 4.1|Cr 1.3 , BUN 22] .",
    "Metoprolol [25|50|12.5] mg [PO|po] [BID|daily] , lisinopril [10|20] mg daily .",
    "BP [130/85|142/90|118/76] , HR [72|88|104] , [RR 16|RR 18] , SpO2 [96|98|93] % on [RA|2L NC] .",
    "[Lungs|Lungs are] clear to auscultation [bilaterally|b/l] .",
    "[No|Denies] [fevers|chest pain|palpitations] , [no|denies] [weight loss|cough] .",
    "[History|Hx] of [Parkinson disease|Hodgkin lymphoma|Crohn disease|Graves disease] .",
    "[Plan|Plan :] [continue|cont] [aspirin|heparin|insulin] , [recheck|repeat] labs in [AM|the morning] .",
    "[Insurance|Policy] ID {ID} verified [today|on admission] .",
    "[Seen|Reviewed] [with|w/] Dr. {LAST} , [agree with plan|plan discussed] .",
    "[Age|AGE] : {AGE}",
    "[Admitted|Admit] to {HOSPITAL} [under|with] Dr. {LAST} [on|] {DATE} .",
    "[Patient|Pt] {NAME} , DOB {DATE} , MRN {ID} .",
    "[Pager|Beeper] {PHONE}",
    "[Home address|Address] : {STREET} , {CITY}",
    "[Wound|Incision] [healing well|clean , dry and intact] , [sutures|staples] out on {DATE} .",
    "[Takes|On] [warfarin|apixaban] [5|2.5] mg , INR [2.4|1.9|3.1] on {DATE} .",
    "[Referred|Sent] to {HOSPITAL} [oncology|neurology|orthopedics] [clinic|service] .",
    "{NAME} [tolerated|tolerating] [diet|PO intake|the procedure] [well|without complication] .",
    "[Pt|Patient] is a {AGE} [yo|year old] [G2P2|retired teacher|veteran|construction worker] .",
    "March of Dimes [brochure|pamphlet] [given|provided] to [family|mother] .",
];

/// Templates notes of the test split are made from (never seen in training).
pub const TEST: &[&str] = &[
    "[Name|Patient name] : {NAME} [Record|Rec] [#|No.] {ID}",
    "This is a {AGE} [year old|y/o] [gentleman|lady] [well known to|followed by] Dr. {LAST} .",
    "[Arrived|Came] by ambulance from {CITY} on {DATE} [after a fall|with syncope] .",
    "[Outside|OSH] records from {HOSPITAL} [reviewed|obtained] , dated {DATE} .",
    "[Daughter|Son] {FIRST} [can be reached|is available] at {PHONE} .",
    "[Returned|Will return] to {HOSPITAL} on {DATE} for [dialysis|chemotherapy|PT] .",
    "[Home|Residence] : {STREET} in {CITY} , [lives alone|with partner] .",
    "Case discussed [with|w/] {NAME} , [covering|on-call] [physician|resident] .",
    "[Last|Most recent] [colonoscopy|echo|MRI] {DATE} [was|showed] [normal|unremarkable|mild LVH] .",
    "[Per|According to] Dr. {LAST} ( {PHONE} ) , [no changes|hold anticoagulation] .",
    "[Surgery|Procedure] [scheduled|booked] at {HOSPITAL} [for|on] {DATE} [with|w/] Dr. {NAME} .",
    "[Grandfather|Aunt] [had|with] [diabetes|colon cancer] diagnosed at {AGE} .",
    "Ref [#|no.] {ID} [faxed|sent] to {CITY} [office|clinic] on {DATE} .",
    "[Temp|T] [38.2|37.9] , [pulse|P] [96|110] , [BP|B/P] [150/95|100/60] , [glucose|BG] [180|95] .",
    "[Alert and oriented|A&O] x3 , [moving all extremities|MAE] , [no focal deficits|nonfocal] .",
    "[Started|Initiated] [vancomycin|ceftriaxone] [1 g|2 g] IV q[12|24]h on {DATE} .",
    "[Signed|Electronically signed] : {NAME} , [RN|NP|PA-C] {DATE}",
    "[Wife|Husband] {FIRST} {LAST} [at bedside|present] [and updated|, questions answered] .",
    "[Transfer|Transport] to {HOSPITAL} [arranged|requested] , [call|contact] {PHONE} .",
    "Babinski [negative|downgoing] , Romberg [negative|steady] .",
];

/// Parts of a template: literal text, a slot, or alternatives.
#[derive(Debug, PartialEq)]
pub(crate) enum Part<'a> {
    Text(&'a str),
    Slot(&'a str),
    Choice(Vec<&'a str>),
}

/// Splits a template into its parts; `None` for a template with an unclosed bracket.
pub(crate) fn parse(template: &str) -> Option<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        let next = rest.find(['{', '[']);
        match next {
            None => {
                parts.push(Part::Text(rest));
                break;
            }
            Some(i) => {
                if i > 0 {
                    parts.push(Part::Text(&rest[..i]));
                }
                let open = rest.as_bytes()[i];
                let close = if open == b'{' { '}' } else { ']' };
                let j = i + rest[i..].find(close)?;
                let inner = &rest[i + 1..j];
                parts.push(if open == b'{' {
                    Part::Slot(inner)
                } else {
                    Part::Choice(inner.split('|').collect())
                });
                rest = &rest[j + 1..];
            }
        }
    }
    Some(parts)
}
