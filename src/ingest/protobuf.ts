/**
 * A minimal protobuf wire-format reader shared by the protocol decoders (remote write, OTLP). It
 * reads in place with no generated classes or per-field objects; a decoder walks tags and asks
 * for the field it wants. Malformed input throws `ProtobufError` with the byte offset, which each
 * protocol turns into its INVALID_PAYLOAD message.
 */
export class ProtobufError extends Error {
  readonly offset: number;
  constructor(what: string, offset: number) {
    super(what);
    this.offset = offset;
  }
}

export class Reader {
  pos: number;
  readonly end: number;
  readonly buf: Buffer;

  constructor(buf: Buffer, pos: number, end: number) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  /** An unsigned varint up to 2^53 (larger ones are read approximately; no field here needs them). */
  varint(): number {
    const buf = this.buf;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError('truncated varint', this.pos);
      const b = buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (i === 9 && b > 1) throw new ProtobufError('varint longer than 64 bits', this.pos);
        return result;
      }
      mul *= 128;
    }
    throw new ProtobufError('varint longer than 10 bytes', this.pos);
  }

  /** A field tag; field number 0 does not exist (a truncated or zero-filled body shows it). */
  tag(): number {
    const at = this.pos;
    const t = this.varint();
    if (t < 8) throw new ProtobufError('field number 0', at);
    return t;
  }

  /** An int64 varint as a number; exact within ±2^53. */
  int64(): number {
    const start = this.pos;
    const v = this.varint();
    if (this.pos - start < 10) return v;
    // Ten bytes: a negative number in two's complement; redo it exactly.
    let big = 0n;
    for (let i = this.pos - 1; i >= start; i--) big = (big << 7n) | BigInt(this.buf[i]! & 0x7f);
    return Number(BigInt.asIntN(64, big));
  }

  /** A fixed64 (unsigned) as a number; exact below 2^53. */
  fixed64(): number {
    const at = this.pos;
    this.advance(8);
    return this.buf.readUInt32LE(at) + this.buf.readUInt32LE(at + 4) * 0x1_0000_0000;
  }

  /** An sfixed64 as a number; exact within ±2^53. */
  sfixed64(): number {
    const at = this.pos;
    this.advance(8);
    return this.buf.readUInt32LE(at) + this.buf.readInt32LE(at + 4) * 0x1_0000_0000;
  }

  double(): number {
    const at = this.pos;
    this.advance(8);
    return this.buf.readDoubleLE(at);
  }

  /** A length-delimited field's [start, end). */
  bytes(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (len > this.end - start) throw new ProtobufError(`length ${len} runs past the end of its message`, start);
    this.pos = start + len;
    return [start, start + len];
  }

  /** A length-delimited field as UTF-8 text. */
  string(): string {
    const [a, b] = this.bytes();
    return this.buf.toString('utf8', a, b);
  }

  /** A reader over a length-delimited field (an embedded message). */
  message(): Reader {
    const [a, b] = this.bytes();
    return new Reader(this.buf, a, b);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new ProtobufError(`unsupported wire type ${wireType}`, this.pos);
    }
  }

  advance(n: number): void {
    if (n > this.end - this.pos) throw new ProtobufError('truncated fixed-size field', this.pos);
    this.pos += n;
  }

  get more(): boolean {
    return this.pos < this.end;
  }
}
