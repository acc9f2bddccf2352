"""English names for the language codes the case facts use (ISO 639-1 or -3).

The list covers the languages most spoken in London after English; any other
code is shown as the code itself, so a letter never hides the need.
"""

from __future__ import annotations

NAMES: dict[str, str] = {
    "am": "Amharic", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "fa": "Persian (Farsi)", "fr": "French", "gu": "Gujarati",
    "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "it": "Italian", "ja": "Japanese", "ko": "Korean",
    "ku": "Kurdish", "lt": "Lithuanian", "lv": "Latvian", "ml": "Malayalam", "ne": "Nepali",
    "pa": "Punjabi", "pl": "Polish", "ps": "Pashto", "pt": "Portuguese", "ro": "Romanian",
    "ru": "Russian", "sk": "Slovak", "so": "Somali", "sq": "Albanian", "sw": "Swahili", "ta": "Tamil",
    "ti": "Tigrinya", "tl": "Tagalog", "tr": "Turkish", "tw": "Twi", "uk": "Ukrainian", "ur": "Urdu",
    "vi": "Vietnamese", "yo": "Yoruba", "zh": "Chinese", "yue": "Cantonese", "cmn": "Mandarin",
    "bsl": "British Sign Language", "sgn": "Sign language",
}  # fmt: skip


def language_name(code: str) -> str:
    """``bn`` -> ``Bengali``; an unlisted code -> ``language code 'xx'``."""
    return NAMES.get(code.lower(), f"language code '{code}'")
