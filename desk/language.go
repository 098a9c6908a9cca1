package desk

import "unicode"

// isJapanese reports whether text reads as Japanese: kana decide, since
// Chinese shares the Han characters.
func isJapanese(text string) bool {
	var kana, han, letters int
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			kana++
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.IsLetter(r):
			letters++
		}
		if kana+han+letters > 2000 {
			break
		}
	}
	return kana >= 2 && (kana+han)*3 >= letters
}
