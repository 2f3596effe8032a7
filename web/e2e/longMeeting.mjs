// A long, realistic meeting as NDJSON in the export format (docs/storage.md § CLI), for `confab import`.
// A small deterministic PRNG (mulberry32), so that every run generates the same meeting.
function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// meeting_created, ten joins, the vote phase, then cards added / edited / voted / withdrawn / deleted and
// reactions, one every 0.1–3 s. Valid for the domain: votes only within the 20 per person, cards ≤ 120 alive.
export function generateMeeting(n) {
  const rnd = prng(20241128)
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)]
  const hex = (i, len) => i.toString(16).padStart(len, '0')
  const people = Array.from({ length: 10 }, (_, i) => ({ pid: `p_${hex(0xa000 + i, 16)}`, name: `Person ${i + 1}` }))
  const emoji = ['\u{1F44D}', '\u{1F44F}', '\u{1F389}', '\u{1F525}', '\u{1F914}', '\u{1F62E}', '\u{1F44E}']
  const lines = []
  let ts = Date.UTC(2024, 10, 28, 9, 0, 0)
  const push = (type, actor, data) => {
    ts += 100 + Math.floor(rnd() * 2900)
    const seq = lines.length + 1
    lines.push(JSON.stringify({ seq, id: `gen-${hex(seq, 8)}`, type, actor, ts, data }))
  }
  push('meeting_created', { pid: 'system', name: 'Confab' }, { title: 'A very long retro', votes_per_person: 20, timebox_s: 300 })
  for (const p of people) push('participant_joined', p, { name: p.name })
  push('phase_changed', people[0], { phase: 'vote' })
  const cards = [] // { id, author, votes: Map pid → n }
  const used = new Map(people.map((p) => [p.pid, 0]))
  let cardNo = 0
  while (lines.length < n) {
    const r = rnd()
    const who = pick(people)
    if (cards.length < 20 || (r < 0.12 && cards.length < 120)) {
      const id = `k_${hex(++cardNo, 16)}`
      cards.push({ id, author: who.pid, votes: new Map() })
      push('card_added', who, { card_id: id, title: `Topic ${cardNo}` })
    } else if (r < 0.3) {
      const card = pick(cards)
      const author = people.find((p) => p.pid === card.author)
      push('card_edited', author, { card_id: card.id, title: `Topic ${card.id.slice(-5)} v${lines.length}` })
    } else if (r < 0.55) {
      const card = pick(cards)
      if (used.get(who.pid) < 20) {
        used.set(who.pid, used.get(who.pid) + 1)
        card.votes.set(who.pid, (card.votes.get(who.pid) ?? 0) + 1)
        push('card_voted', who, { card_id: card.id })
      } else {
        const mine = cards.find((c) => c.votes.get(who.pid) > 0)
        mine.votes.set(who.pid, mine.votes.get(who.pid) - 1)
        used.set(who.pid, used.get(who.pid) - 1)
        push('vote_withdrawn', who, { card_id: mine.id })
      }
    } else if (r < 0.6 && cards.length > 40) {
      const i = Math.floor(rnd() * cards.length)
      const [card] = cards.splice(i, 1)
      for (const [pid, k] of card.votes) used.set(pid, used.get(pid) - k)
      push('card_deleted', people.find((p) => p.pid === card.author), { card_id: card.id })
    } else {
      push('reaction', who, { emoji: pick(emoji) })
    }
  }
  return lines.join('\n') + '\n'
}
