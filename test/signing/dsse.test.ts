import { describe, expect, it } from 'vitest';
import { IN_TOTO_PAYLOAD_TYPE } from '../../src/provenance/payloads.js';
import {
  createEnvelope,
  envelopePayload,
  pae,
  parseEnvelope,
  serializeEnvelope,
} from '../../src/signing/dsse.js';

describe('DSSE PAE', () => {
  it('matches the DSSE specification test vector', () => {
    const out = pae('http://example.com/HelloWorld', Buffer.from('hello world'));
    expect(Buffer.from(out).toString('utf8')).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('counts bytes, not characters, for multi-byte payloads', () => {
    const body = Buffer.from('ü€', 'utf8'); // 2 characters, 5 bytes
    expect(Buffer.from(pae('t', body)).toString('utf8')).toBe('DSSEv1 1 t 5 ü€');
  });

  it('handles an empty payload', () => {
    expect(Buffer.from(pae(IN_TOTO_PAYLOAD_TYPE, new Uint8Array())).toString('utf8')).toBe(
      'DSSEv1 28 application/vnd.in-toto+json 0 ',
    );
  });
});

describe('DSSE envelope', () => {
  const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
  const signature = Buffer.from([0x30, 0x45, 0xff, 0xfe]);

  it('uses the in-toto payload type, standard padded base64 and an empty keyid', () => {
    const envelope = createEnvelope(payload, signature, IN_TOTO_PAYLOAD_TYPE);
    expect(envelope).toEqual({
      payloadType: 'application/vnd.in-toto+json',
      payload: payload.toString('base64'),
      signatures: [{ keyid: '', sig: 'MEX//g==' }],
    });
  });

  it('serializes in cosign field order and parses back', () => {
    const json = serializeEnvelope(createEnvelope(payload, signature, IN_TOTO_PAYLOAD_TYPE));
    expect(Object.keys(JSON.parse(json))).toEqual(['payloadType', 'payload', 'signatures']);
    const parsed = parseEnvelope(json, 'env.json');
    expect(Buffer.from(envelopePayload(parsed))).toEqual(payload);
  });

  it('rejects what is not an envelope, naming the source', () => {
    expect(() => parseEnvelope('not json', 'a.json')).toThrow(/a\.json is not JSON/);
    expect(() => parseEnvelope('{"payload":"x"}', 'b.json')).toThrow(/b\.json is not a DSSE envelope/);
    expect(() => parseEnvelope('{"payloadType":"t","payload":"x","signatures":[{}]}', 'c')).toThrow(
      /not a DSSE envelope/,
    );
  });
});
