//! The customer's language, so the assistant answers in it. Chat messages are
//! short, so the detector only chooses among the languages a shop's customers
//! write in — Russian, English, Kazakh and Uzbek — and tells them apart the
//! way a reader does: by script first, then by the letters only one of them
//! has (Kazakh ә ө ұ ү ң һ і; Uzbek ў ҳ, oʻ gʻ), then by their commonest chat
//! words (which also catch Kazakh typed on a Russian keyboard, "канша",
//! "рахмет"). In Latin script whatlang's trigram profile tells Uzbek from
//! English. No statistical model is bundled for Cyrillic: the letters say
//! more on three words than a model does, and the models were most of the
//! program's size.

/// A language the assistant can answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Ru,
    En,
    Kk,
    Uz,
}

impl Lang {
    /// ISO 639-1.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::En => "en",
            Lang::Kk => "kk",
            Lang::Uz => "uz",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        [Lang::Ru, Lang::En, Lang::Kk, Lang::Uz]
            .into_iter()
            .find(|l| l.code() == code)
    }

    /// The language's English name, as a prompt names it.
    pub fn english_name(self) -> &'static str {
        match self {
            Lang::Ru => "Russian",
            Lang::En => "English",
            Lang::Kk => "Kazakh",
            Lang::Uz => "Uzbek",
        }
    }
}

impl From<crate::model::Language> for Lang {
    fn from(language: crate::model::Language) -> Self {
        match language {
            crate::model::Language::Ru => Lang::Ru,
            crate::model::Language::En => Lang::En,
        }
    }
}

/// Letters only Kazakh has among the four.
const KAZAKH_LETTERS: &[char] = &['ә', 'ө', 'ұ', 'ү', 'ң', 'һ', 'і'];
/// Letters Kazakh shares only with Uzbek: without an Uzbek sign, Kazakh.
const KAZAKH_OR_UZBEK_LETTERS: &[char] = &['қ', 'ғ'];
/// Kazakh chat words without its own letters, as typed on a Russian keyboard
/// too, and its question particles, which stand alone ("бар ма").
const KAZAKH_WORDS: &[&str] = &[
    "рахмет",
    "салем",
    "салеметсиз",
    "канша",
    "керек",
    "жок",
    "жаксы",
    "жеткизу",
    "турады",
    "бага",
    "багасы",
    "ма",
    "ме",
    "ба",
    "бе",
    "па",
    "пе",
];
/// Letters only Uzbek (Cyrillic) has among the four.
const UZBEK_LETTERS: &[char] = &['ў', 'ҳ'];
/// The commonest words of Uzbek chat, in both scripts.
const UZBEK_WORDS: &[&str] = &[
    "салом",
    "ассалому",
    "рахмат",
    "раҳмат",
    "нархи",
    "нарх",
    "қанча",
    "керак",
    "бормi",
    "борми",
    "йўқ",
    "илтимос",
    "яхши",
    "қачон",
    "қаерда",
    "salom",
    "assalomu",
    "rahmat",
    "narxi",
    "narx",
    "qancha",
    "kerak",
    "bormi",
    "yo'q",
    "iltimos",
    "yaxshi",
    "qachon",
    "qayerda",
    "qanday",
    "mumkinmi",
    "sizda",
    "menga",
];

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphabetic() || matches!(c, '\'' | 'ʻ' | '‘' | '’' | '`')))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().replace(['ʻ', '‘', '’', '`'], "'"))
}

fn looks_uzbek(text: &str, lower: &str, latin: bool) -> bool {
    if !latin && lower.contains(UZBEK_LETTERS) {
        return true;
    }
    if latin && words(text).any(|w| w.contains("o'") || w.contains("g'")) {
        return true;
    }
    words(text).any(|w| UZBEK_WORDS.contains(&w.as_str()))
}

/// The language of `text`, or `None` when it says too little to tell.
pub fn detect(text: &str) -> Option<Lang> {
    let (mut cyrillic, mut latin) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        match c {
            'a'..='z' | 'A'..='Z' => latin += 1,
            '\u{0400}'..='\u{04FF}' => cyrillic += 1,
            _ => {}
        }
    }
    if cyrillic + latin < 3 {
        return None;
    }
    let lower = text.to_lowercase();
    let is_latin = latin > cyrillic;
    if !is_latin && lower.contains(KAZAKH_LETTERS) {
        return Some(Lang::Kk);
    }
    if looks_uzbek(text, &lower, is_latin) {
        return Some(Lang::Uz);
    }
    if is_latin {
        // Only English and Uzbek are written in Latin letters here.
        let uzbek =
            whatlang::Detector::with_allowlist(vec![whatlang::Lang::Eng, whatlang::Lang::Uzb])
                .detect(text)
                .is_some_and(|info| info.lang() == whatlang::Lang::Uzb && info.confidence() > 0.9);
        return Some(if uzbek { Lang::Uz } else { Lang::En });
    }
    if lower.contains(KAZAKH_OR_UZBEK_LETTERS)
        || words(text).any(|w| KAZAKH_WORDS.contains(&w.as_str()))
    {
        return Some(Lang::Kk);
    }
    Some(Lang::Ru)
}

/// The language to answer in: that of the newest customer message that says
/// enough (newest first in `recent`), else `fallback`.
pub fn answer_language<'a>(recent: impl IntoIterator<Item = &'a str>, fallback: Lang) -> Lang {
    recent.into_iter().find_map(detect).unwrap_or(fallback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_chat_messages_in_the_four_languages() {
        let cases: &[(&str, Lang)] = &[
            ("Здравствуйте, диван ещё продаётся?", Lang::Ru),
            ("Сколько стоит доставка?", Lang::Ru),
            ("а скидка будет", Lang::Ru),
            ("Привет", Lang::Ru),
            ("Hi, is the sofa still available?", Lang::En),
            ("how much is delivery", Lang::En),
            ("Thanks!", Lang::En),
            ("Сәлеметсіз бе, диван бар ма?", Lang::Kk),
            ("Бағасы қанша?", Lang::Kk),
            ("Жеткізу қанша тұрады?", Lang::Kk),
            ("Рахмет", Lang::Kk),
            ("канша турады", Lang::Kk),
            ("Салеметсиз бе, бар ма?", Lang::Kk),
            ("Добрый день! Есть в наличии?", Lang::Ru),
            ("Мне нужен бар для кухни", Lang::Ru),
            ("Жду ответа", Lang::Ru),
            ("Salom, divan bormi?", Lang::Uz),
            ("Narxi qancha?", Lang::Uz),
            ("Yetkazib berish bormi", Lang::Uz),
            ("Oʻlchami qanday?", Lang::Uz),
            ("Ассалому алайкум, нархи қанча?", Lang::Uz),
            ("Етказиб бериш борми? Раҳмат", Lang::Uz),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter_map(|(text, lang)| {
                let got = detect(text);
                (got != Some(*lang)).then(|| format!("{text:?}: {got:?}, expected {lang:?}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn texts_that_say_nothing_fall_back_to_earlier_messages_or_the_project() {
        assert_eq!(detect("?"), None);
        assert_eq!(detect("👍"), None);
        assert_eq!(detect("12990"), None);
        assert_eq!(
            answer_language(["ok?", "Narxi qancha?"].iter().copied(), Lang::Ru),
            Lang::Uz,
            "an earlier message tells"
        );
        assert_eq!(
            answer_language(["?", "!!"].iter().copied(), Lang::En),
            Lang::En
        );
    }
}
