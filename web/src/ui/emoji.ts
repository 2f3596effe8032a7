// Words for the fixed reaction set (CONTRACT §2), so every emoji button has a spoken name.
export const EMOJI_NAMES: Record<string, string> = {
  '\u{1F44D}': 'thumbs up',
  '\u{1F44F}': 'applause',
  '\u{1F389}': 'celebrate',
  '\u2764\uFE0F': 'love',
  '\u{1F525}': 'fire',
  '\u{1F602}': 'laughing',
  '\u{1F914}': 'thinking',
  '\u{1F62E}': 'surprised',
  '\u{1F44E}': 'thumbs down',
  '\u{1F622}': 'sad',
}
