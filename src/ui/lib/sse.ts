/** An incremental Server-Sent Events parser (the UI reads /api/v1/live over fetch to send its token). */
export interface SseMessage {
  event: string;
  data: string;
}

export class SseParser {
  #buf = '';

  /** Feeds decoded text; returns the complete messages it finished. Comments (`: ping`) are dropped. */
  feed(text: string): SseMessage[] {
    this.#buf += text.replace(/\r\n?/g, '\n');
    const out: SseMessage[] = [];
    let end: number;
    while ((end = this.#buf.indexOf('\n\n')) >= 0) {
      const block = this.#buf.slice(0, end);
      this.#buf = this.#buf.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0) out.push({ event, data: data.join('\n') });
    }
    return out;
  }
}
