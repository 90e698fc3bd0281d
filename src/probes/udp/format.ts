/**
 * The probe's wire format and record files, shared by the agent (src/agents/udp-probe.ts) and the
 * runner. Pure: no I/O.
 *
 * A probe packet is 64 bytes:
 *
 *   0  u32  magic 0x48414c50 ('HALP')
 *   4  u32  run tag (random per probe run: packets of another run are not counted)
 *   8  u16  flow id
 *  10  u16  0
 *  12  u32  sequence number (0, 1, 2, ... in send order)
 *  16  f64  send time, ms of the monotonic clock (process.hrtime, the lab event log's clock)
 *  24  ...  zeros up to 64 bytes
 *
 * Record files are text: a JSON header line, then one record per line, fields separated by one
 * space, times in ms with 3 decimals (µs):
 *
 *   sender:    {"role":"send",...}\nSEQ SENT_MS\n...
 *   receiver:  {"role":"recv",...}\nFLOW SEQ SENT_MS RECV_MS\n...
 */

export const PACKET_BYTES = 64;
export const MAGIC = 0x48414c50;

export interface ProbePacket {
  run: number;
  flow: number;
  seq: number;
  sentMs: number;
}

export function encodePacket(p: ProbePacket, buf: Buffer = Buffer.alloc(PACKET_BYTES)): Buffer {
  buf.writeUInt32BE(MAGIC, 0);
  buf.writeUInt32BE(p.run >>> 0, 4);
  buf.writeUInt16BE(p.flow, 8);
  buf.writeUInt16BE(0, 10);
  buf.writeUInt32BE(p.seq >>> 0, 12);
  buf.writeDoubleBE(p.sentMs, 16);
  return buf;
}

/** The packet, or null when it is not a probe packet. */
export function decodePacket(buf: Buffer): ProbePacket | null {
  if (buf.length < 24 || buf.readUInt32BE(0) !== MAGIC) return null;
  return { run: buf.readUInt32BE(4), flow: buf.readUInt16BE(8), seq: buf.readUInt32BE(12), sentMs: buf.readDoubleBE(16) };
}

export interface SenderHeader {
  role: 'send';
  flow: number;
  run: number;
  rateHz: number;
  dst: string;
  port: number;
  /** Monotonic ms: first and last send. */
  startMs: number;
  endMs: number;
  /** Sends the kernel refused (e.g. no route); those packets count as sent and lost. */
  sendErrors: number;
  /** The agent's own CPU time while sending (process.cpuUsage; start-up excluded), ms. */
  cpuUserMs: number;
  cpuSystemMs: number;
}

export interface ReceiverHeader {
  role: 'recv';
  run: number;
  bind: string;
  port: number;
  startMs: number;
  endMs: number;
  /** Datagrams that were not probe packets of this run. */
  foreign: number;
  /** CPU time from bound to stopped, ms. */
  cpuUserMs: number;
  cpuSystemMs: number;
}

export interface SentRecord {
  seq: number;
  sentMs: number;
}

export interface Arrival {
  flow: number;
  seq: number;
  /** The send time carried in the packet. */
  sentMs: number;
  recvMs: number;
}

const ms = (t: number) => t.toFixed(3);

export function formatSender(h: SenderHeader, sent: { seq: ArrayLike<number>; sentMs: ArrayLike<number>; length: number }): string {
  const lines = [JSON.stringify(h)];
  for (let i = 0; i < sent.length; i++) lines.push(`${sent.seq[i]} ${ms(sent.sentMs[i]!)}`);
  return lines.join('\n') + '\n';
}

export function formatReceiver(h: ReceiverHeader, got: { flow: ArrayLike<number>; seq: ArrayLike<number>; sentMs: ArrayLike<number>; recvMs: ArrayLike<number>; length: number }): string {
  const lines = [JSON.stringify(h)];
  for (let i = 0; i < got.length; i++) lines.push(`${got.flow[i]} ${got.seq[i]} ${ms(got.sentMs[i]!)} ${ms(got.recvMs[i]!)}`);
  return lines.join('\n') + '\n';
}

export class RecordFormatError extends Error {}

function split(text: string, role: string): { header: Record<string, unknown>; rows: string[][] } {
  const lines = text.split('\n').filter(Boolean);
  if (!lines.length) throw new RecordFormatError('empty record file');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(lines[0]!) as Record<string, unknown>;
  } catch {
    throw new RecordFormatError(`record file header is not JSON: ${lines[0]!.slice(0, 80)}`);
  }
  if (header.role !== role) throw new RecordFormatError(`expected a ${role} record file, got role ${String(header.role)}`);
  return { header, rows: lines.slice(1).map((l) => l.split(' ')) };
}

export function parseSender(text: string): { header: SenderHeader; sent: SentRecord[] } {
  const { header, rows } = split(text, 'send');
  return { header: header as unknown as SenderHeader, sent: rows.map((r) => ({ seq: Number(r[0]), sentMs: Number(r[1]) })) };
}

export function parseReceiver(text: string): { header: ReceiverHeader; arrivals: Arrival[] } {
  const { header, rows } = split(text, 'recv');
  return { header: header as unknown as ReceiverHeader, arrivals: rows.map((r) => ({ flow: Number(r[0]), seq: Number(r[1]), sentMs: Number(r[2]), recvMs: Number(r[3]) })) };
}
