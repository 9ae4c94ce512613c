// The remote-write lane in C++ (src/ingest/native-lane.ts loads it): a snappy-compressed
// prometheus.WriteRequest → the request's samples as one Native block, its series ids probed
// against the series cache's own tables, in one call per request and with no JavaScript object per
// series or per sample. It takes exactly the requests the JavaScript lane takes
// (src/ingest/fast-remote-write.ts) — printable-ASCII labels, valid names, every sample valid —
// and gives byte-identical blocks (native-lane.test.ts checks it against both JavaScript paths on
// randomized requests); for anything else it answers "take the general path" and JavaScript
// decides, reports and decodes, so every error message stays in one place.
//
// Series ids are MurmurHash3 x86_128 (seed 0) over the canonical key's UTF-16LE code units, as in
// src/ingest/series-hasher.ts; the key is ASCII here, so each byte is one code unit.
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

// ---- MurmurHash3 x86_128 over ASCII bytes taken as 16-bit code units -------------------------

constexpr uint32_t C1 = 0x239b961b, C2 = 0xab0e9789, C3 = 0x38b34ae5, C4 = 0xa1e38b93;

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

inline uint32_t fmix(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

// Two code units (bytes a, b) as the little-endian 32-bit word of their UTF-16LE bytes.
inline uint32_t units(const uint8_t* p) { return uint32_t(p[0]) | (uint32_t(p[1]) << 16); }

/** The first 64 bits (h1, h2) of the hash of `n` code units, one per byte of `key`. */
void murmur(const uint8_t* key, size_t n, uint32_t& hi, uint32_t& lo) {
  uint32_t h1 = 0, h2 = 0, h3 = 0, h4 = 0;
  size_t i = 0;
  for (; n - i >= 8; i += 8) {
    uint32_t k1 = units(key + i), k2 = units(key + i + 2), k3 = units(key + i + 4), k4 = units(key + i + 6);
    k1 *= C1; k1 = rotl(k1, 15); k1 *= C2; h1 ^= k1;
    h1 = rotl(h1, 19); h1 += h2; h1 = h1 * 5 + 0x561ccd1b;
    k2 *= C2; k2 = rotl(k2, 16); k2 *= C3; h2 ^= k2;
    h2 = rotl(h2, 17); h2 += h3; h2 = h2 * 5 + 0x0bcaa747;
    k3 *= C3; k3 = rotl(k3, 17); k3 *= C4; h3 ^= k3;
    h3 = rotl(h3, 15); h3 += h4; h3 = h3 * 5 + 0x96cd1c35;
    k4 *= C4; k4 = rotl(k4, 18); k4 *= C1; h4 ^= k4;
    h4 = rotl(h4, 13); h4 += h1; h4 = h4 * 5 + 0x32ac3b17;
  }
  const size_t rem = n - i;
  if (rem > 0) {
    uint8_t b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(b, key + i, rem);
    if (rem > 6) { uint32_t k4 = units(b + 6); k4 *= C4; k4 = rotl(k4, 18); k4 *= C1; h4 ^= k4; }
    if (rem > 4) { uint32_t k3 = units(b + 4); k3 *= C3; k3 = rotl(k3, 17); k3 *= C4; h3 ^= k3; }
    if (rem > 2) { uint32_t k2 = units(b + 2); k2 *= C2; k2 = rotl(k2, 16); k2 *= C3; h2 ^= k2; }
    uint32_t k1 = units(b); k1 *= C1; k1 = rotl(k1, 15); k1 *= C2; h1 ^= k1;
  }
  const uint32_t bytes = uint32_t(n * 2);
  h1 ^= bytes; h2 ^= bytes; h3 ^= bytes; h4 ^= bytes;
  h1 += h2; h1 += h3; h1 += h4;
  h2 += h1; h3 += h1; h4 += h1;
  h1 = fmix(h1); h2 = fmix(h2); h3 = fmix(h3); h4 = fmix(h4);
  h1 += h2; h1 += h3; h1 += h4;
  h2 += h1;
  hi = h1;
  lo = h2;
}

// ---- snappy block format ----------------------------------------------------------------------

/**
 * Decodes a snappy block into `out` (grown, never shrunk). False on anything that is not a valid
 * block declaring at most `max` bytes: the caller then lets JavaScript's decoder give the error.
 */
bool unsnappy(const uint8_t* in, size_t n, size_t max, std::vector<uint8_t>& out, size_t& length) {
  size_t at = 0;
  uint64_t len = 0;
  for (int shift = 0;; shift += 7) {
    if (at >= n || shift > 28) return false;
    const uint8_t c = in[at++];
    len |= uint64_t(c & 0x7f) << shift;
    if (c < 0x80) break;
  }
  if (len > 0xffffffffu || len > max) return false;
  if (out.size() < len) out.resize(len);
  uint8_t* o = out.data();
  size_t op = 0;
  while (at < n) {
    const uint8_t tag = in[at++];
    size_t l, off;
    switch (tag & 3) {
      case 0: {
        l = tag >> 2;
        if (l >= 60) {
          const size_t extra = l - 59;
          if (n - at < extra) return false;
          l = 0;
          for (size_t k = 0; k < extra; k++) l |= size_t(in[at + k]) << (8 * k);
          at += extra;
        }
        l += 1;
        if (n - at < l || len - op < l) return false;
        std::memcpy(o + op, in + at, l);
        at += l;
        op += l;
        continue;
      }
      case 1:
        if (at >= n) return false;
        l = 4 + ((tag >> 2) & 7);
        off = (size_t(tag >> 5) << 8) | in[at++];
        break;
      case 2:
        if (n - at < 2) return false;
        l = 1 + (tag >> 2);
        off = size_t(in[at]) | (size_t(in[at + 1]) << 8);
        at += 2;
        break;
      default:
        if (n - at < 4) return false;
        l = 1 + (tag >> 2);
        off = size_t(in[at]) | (size_t(in[at + 1]) << 8) | (size_t(in[at + 2]) << 16) | (size_t(in[at + 3]) << 24);
        at += 4;
        break;
    }
    if (off == 0 || off > op || len - op < l) return false;
    if (off >= l) {
      std::memcpy(o + op, o + op - off, l);
    } else {
      for (size_t k = 0; k < l; k++) o[op + k] = o[op - off + k];
    }
    op += l;
  }
  if (op != len) return false;
  length = len;
  return true;
}

// ---- protobuf reading (the JavaScript lane's rules: anything it would bail on, we bail on) ----

struct Bail {};

struct Reader {
  const uint8_t* b;
  size_t at;

  /** An unsigned varint of at most 8 bytes (below 2^56). */
  uint64_t varint(size_t end) {
    if (at >= end) throw Bail();
    uint8_t c = b[at++];
    if (c < 0x80) return c;
    uint64_t r = c & 0x7f;
    int shift = 7;
    for (int i = 1; i < 8; i++) {
      if (at >= end) throw Bail();
      c = b[at++];
      r |= uint64_t(c & 0x7f) << shift;
      if (c < 0x80) return r;
      shift += 7;
    }
    throw Bail();
  }

  /** A field tag: at least field 1, and within 32 bits (a larger one is not valid protobuf). */
  uint64_t tag(size_t end) {
    const uint64_t t = varint(end);
    if (t < 8 || t > 0xffffffffu) throw Bail();
    return t;
  }

  size_t lengthEnd(size_t end) {
    const uint64_t len = varint(end);
    if (len > end - at) throw Bail();
    return at + size_t(len);
  }

  void skip(size_t end, uint64_t t) {
    switch (t & 7) {
      case 0: varint(end); return;
      case 1: if (end - at < 8) throw Bail(); at += 8; return;
      case 2: at = lengthEnd(end); return;
      case 5: if (end - at < 4) throw Bail(); at += 4; return;
      default: throw Bail();
    }
  }
};

constexpr uint64_t LEN_1 = (1 << 3) | 2, LEN_2 = (2 << 3) | 2, FIXED64_1 = (1 << 3) | 1, VARINT_2 = (2 << 3) | 0;
constexpr uint64_t STALE = 0x7ff0000000000002ull;

inline bool isNameByte(uint8_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }

/** ^[a-zA-Z_][a-zA-Z0-9_]*$ */
bool isName(const uint8_t* p, size_t n) {
  if (n == 0 || !isNameByte(p[0])) return false;
  for (size_t i = 1; i < n; i++) if (!isNameByte(p[i]) && !(p[i] >= '0' && p[i] <= '9')) return false;
  return true;
}

bool isPrintable(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++) if (p[i] < 0x20 || p[i] > 0x7e) return false;
  return true;
}

/** Byte-range comparison, as JavaScript compares ASCII strings. */
int compare(const uint8_t* a, size_t an, const uint8_t* b, size_t bn) {
  const int c = std::memcmp(a, b, std::min(an, bn));
  if (c != 0) return c;
  return an < bn ? -1 : an > bn ? 1 : 0;
}

struct Label {
  uint32_t ks, ke, vs, ve;
};

/** One table of the series cache (src/ingest/series-cache.ts, IdTable): (hi, lo) words and slot use. */
struct Table {
  const uint32_t* keys = nullptr;
  const int32_t* index = nullptr;
  uint32_t mask = 0;

  bool has(uint32_t hi, uint32_t lo) const {
    if (keys == nullptr) return false;
    for (uint32_t i = lo & mask;; i = (i + 1) & mask) {
      if (index[i] == 0) return false;
      if (keys[2 * i] == hi && keys[2 * i + 1] == lo) return true;
    }
  }
};

struct Metric {
  uint32_t start, end;  // the name's bytes in `strings`
  uint32_t hi, lo;
  double earliest, latest;
};

/** Per-thread space kept from request to request. */
struct Scratch {
  std::vector<uint8_t> raw;
  std::vector<Label> labels;
  std::vector<uint32_t> order;
  std::vector<int64_t> ts;
  std::vector<double> values;
  std::vector<uint8_t> key;
  std::vector<uint32_t> metricCol, seriesCol;
  std::vector<int64_t> tsCol;
  std::vector<double> valueCol;
  std::vector<Metric> metrics;
  std::vector<uint8_t> strings;
  std::vector<uint32_t> record;
};

thread_local Scratch scratch;

struct Input {
  const uint8_t* tenant;
  size_t tenantLength;
  double minTs, maxTs;
  size_t maxName, maxKey, maxValue, maxDims;
  Table current, previous;
};

uint32_t addString(Scratch& s, const uint8_t* p, size_t n) {
  const uint32_t start = uint32_t(s.strings.size());
  s.strings.insert(s.strings.end(), p, p + n);
  return start;
}

/** Scans the decoded request into the scratch columns; throws Bail. Returns staleness markers skipped. */
uint32_t scan(const uint8_t* buf, size_t n, const Input& in, Scratch& s) {
  Reader r{buf, 0};
  s.metricCol.clear();
  s.seriesCol.clear();
  s.tsCol.clear();
  s.valueCol.clear();
  s.metrics.clear();
  s.strings.clear();
  s.record.clear();
  uint32_t stale = 0;
  int current = -1;  // index into s.metrics of the last series' metric
  while (r.at < n) {
    const uint64_t t = r.tag(n);
    if (t != LEN_1) {
      r.skip(n, t);
      continue;
    }
    const size_t tsEnd = r.lengthEnd(n);
    int64_t nameStart = -1;
    size_t nameEnd = 0;
    s.labels.clear();
    s.ts.clear();
    s.values.clear();
    while (r.at < tsEnd) {
      const uint64_t ft = r.tag(tsEnd);
      if (ft == LEN_1) {
        const size_t labelEnd = r.lengthEnd(tsEnd);
        size_t ks = r.at, ke = r.at, vs = r.at, ve = r.at;
        while (r.at < labelEnd) {
          const uint64_t lt = r.tag(labelEnd);
          if (lt == LEN_1) {
            ke = r.lengthEnd(labelEnd);
            ks = r.at;
            r.at = ke;
          } else if (lt == LEN_2) {
            ve = r.lengthEnd(labelEnd);
            vs = r.at;
            r.at = ve;
          } else {
            r.skip(labelEnd, lt);
          }
        }
        if (ke - ks == 8 && std::memcmp(buf + ks, "__name__", 8) == 0) {
          if (nameStart >= 0) throw Bail();
          nameStart = int64_t(vs);
          nameEnd = ve;
        } else if (ve > vs) {
          if (!isPrintable(buf + vs, ve - vs)) throw Bail();
          s.labels.push_back({uint32_t(ks), uint32_t(ke), uint32_t(vs), uint32_t(ve)});
        }
      } else if (ft == LEN_2) {
        const size_t sampleEnd = r.lengthEnd(tsEnd);
        uint64_t bits = 0;
        uint64_t ts = 0;
        while (r.at < sampleEnd) {
          const uint64_t st = r.tag(sampleEnd);
          if (st == FIXED64_1) {
            if (sampleEnd - r.at < 8) throw Bail();
            std::memcpy(&bits, buf + r.at, 8);
            r.at += 8;
          } else if (st == VARINT_2) {
            ts = r.varint(sampleEnd);
          } else {
            r.skip(sampleEnd, st);
          }
        }
        if (bits == STALE) {
          stale++;
        } else {
          double v;
          std::memcpy(&v, &bits, 8);
          s.ts.push_back(int64_t(ts));
          s.values.push_back(v);
        }
      } else {
        r.skip(tsEnd, ft);
      }
    }
    // A series left with no samples is not written (nor counted against limits).
    if (s.ts.empty()) continue;
    const size_t nameLength = nameEnd - size_t(nameStart < 0 ? 0 : nameStart);
    if (nameStart < 0 || nameLength > in.maxName || !isName(buf + nameStart, nameLength)) throw Bail();
    const size_t dims = s.labels.size();
    if (dims > in.maxDims) throw Bail();
    for (const Label& l : s.labels) {
      const size_t kl = l.ke - l.ks;
      if (kl > in.maxKey || !isName(buf + l.ks, kl)) throw Bail();
      if (kl == 10 && std::memcmp(buf + l.ks, "_tenant_id", 10) == 0) throw Bail();
      if (l.ve - l.vs > in.maxValue) throw Bail();
    }
    s.order.resize(dims);
    for (size_t d = 0; d < dims; d++) s.order[d] = uint32_t(d);
    auto cmp = [&](uint32_t a, uint32_t b) {
      const Label& x = s.labels[a];
      const Label& y = s.labels[b];
      return compare(buf + x.ks, x.ke - x.ks, buf + y.ks, y.ke - y.ks);
    };
    bool sorted = true;
    for (size_t d = 1; d < dims; d++) {
      const int c = cmp(uint32_t(d - 1), uint32_t(d));
      if (c == 0) throw Bail();
      if (c > 0) {
        sorted = false;
        break;
      }
    }
    if (!sorted) {
      std::sort(s.order.begin(), s.order.end(), [&](uint32_t a, uint32_t b) { return cmp(a, b) < 0; });
      for (size_t d = 1; d < dims; d++) if (cmp(s.order[d - 1], s.order[d]) == 0) throw Bail();
    }
    // The samples first: a bad one sends the whole request to the general path.
    for (size_t k = 0; k < s.ts.size(); k++) {
      const double ts = double(s.ts[k]);
      if (!std::isfinite(s.values[k]) || ts < in.minTs || ts > in.maxTs) throw Bail();
    }
    // The metric: the previous series' one, or found (or added) among the request's few.
    const uint8_t* name = buf + nameStart;
    auto sameName = [&](const Metric& m) { return m.end - m.start == nameLength && std::memcmp(s.strings.data() + m.start, name, nameLength) == 0; };
    if (current < 0 || !sameName(s.metrics[size_t(current)])) {
      current = -1;
      for (size_t m = 0; m < s.metrics.size(); m++) {
        if (sameName(s.metrics[m])) {
          current = int(m);
          break;
        }
      }
      if (current < 0) {
        Metric m{};
        m.start = addString(s, name, nameLength);
        m.end = m.start + uint32_t(nameLength);
        s.key.clear();
        s.key.push_back(1);
        s.key.insert(s.key.end(), in.tenant, in.tenant + in.tenantLength);
        s.key.push_back(0);
        s.key.insert(s.key.end(), name, name + nameLength);
        murmur(s.key.data(), s.key.size(), m.hi, m.lo);
        m.earliest = m.latest = double(s.ts[0]);
        s.metrics.push_back(m);
        current = int(s.metrics.size() - 1);
      }
    }
    // The canonical key: tenant \0 name (\0 key \0 value)* in key order.
    s.key.clear();
    s.key.insert(s.key.end(), in.tenant, in.tenant + in.tenantLength);
    s.key.push_back(0);
    s.key.insert(s.key.end(), name, name + nameLength);
    for (size_t o = 0; o < dims; o++) {
      const Label& l = s.labels[s.order[o]];
      s.key.push_back(0);
      s.key.insert(s.key.end(), buf + l.ks, buf + l.ke);
      s.key.push_back(0);
      s.key.insert(s.key.end(), buf + l.vs, buf + l.ve);
    }
    uint32_t hi, lo;
    murmur(s.key.data(), s.key.size(), hi, lo);
    if (!in.current.has(hi, lo)) {
      // Not known (0), or known to the previous generation (1: JavaScript promotes it). Either way
      // its name and dimensions, as sent, go along in case it needs a series row.
      const Metric& m = s.metrics[size_t(current)];
      s.record.push_back(hi);
      s.record.push_back(lo);
      s.record.push_back(in.previous.has(hi, lo) ? 1 : 0);
      s.record.push_back(m.start);
      s.record.push_back(m.end);
      s.record.push_back(uint32_t(dims));
      for (const Label& l : s.labels) {
        const uint32_t k = addString(s, buf + l.ks, l.ke - l.ks);
        s.record.push_back(k);
        s.record.push_back(k + (l.ke - l.ks));
        const uint32_t v = addString(s, buf + l.vs, l.ve - l.vs);
        s.record.push_back(v);
        s.record.push_back(v + (l.ve - l.vs));
      }
    }
    Metric& m = s.metrics[size_t(current)];
    for (size_t k = 0; k < s.ts.size(); k++) {
      const int64_t ts = s.ts[k];
      const double t = double(ts);
      s.metricCol.push_back(m.lo);
      s.metricCol.push_back(m.hi);
      s.seriesCol.push_back(lo);
      s.seriesCol.push_back(hi);
      s.tsCol.push_back(ts);
      const double v = s.values[k];
      s.valueCol.push_back(v == 0 ? 0.0 : v);  // negative zero is stored as zero
      if (t > m.latest) m.latest = t;
      else if (t < m.earliest) m.earliest = t;
    }
  }
  return stale;
}

// ---- N-API glue ---------------------------------------------------------------------------------

#define CHECK(call)                                   \
  do {                                                \
    if ((call) != napi_ok) return nullptr;            \
  } while (0)

const char* const HEADERS[4][2] = {{"metric_id", "UInt64"}, {"series_id", "UInt64"}, {"ts", "DateTime64(3, 'UTC')"}, {"value", "Float64"}};

size_t putVarint(uint8_t* out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = uint8_t(v | 0x80);
    v >>= 7;
  }
  out[n++] = uint8_t(v);
  return n;
}

bool typedArray(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, data, &ab, &offset) != napi_ok) return false;
  return type == want;
}

bool table(napi_env env, napi_value keys, napi_value index, Table& t) {
  napi_valuetype kt;
  if (napi_typeof(env, keys, &kt) != napi_ok) return false;
  if (kt == napi_null || kt == napi_undefined) return true;
  void* k;
  void* x;
  size_t kn, xn;
  if (!typedArray(env, keys, napi_uint32_array, &k, &kn) || !typedArray(env, index, napi_int32_array, &x, &xn)) return false;
  if (xn == 0 || (xn & (xn - 1)) != 0 || kn != 2 * xn) return false;
  t.keys = static_cast<const uint32_t*>(k);
  t.index = static_cast<const int32_t*>(x);
  t.mask = uint32_t(xn - 1);
  return true;
}

napi_value number(napi_env env, double v) {
  napi_value out;
  napi_create_double(env, v, &out);
  return out;
}

napi_value copyUint32(napi_env env, const std::vector<uint32_t>& v) {
  void* data;
  napi_value ab, out;
  if (napi_create_arraybuffer(env, v.size() * 4, &data, &ab) != napi_ok) return nullptr;
  if (!v.empty()) std::memcpy(data, v.data(), v.size() * 4);
  if (napi_create_typedarray(env, napi_uint32_array, v.size(), ab, 0, &out) != napi_ok) return nullptr;
  return out;
}

/**
 * remoteWrite(body, maxDecoded, tenant, params, curKeys, curIndex, prevKeys, prevIndex)
 *   body: the snappy block as sent; tenant: its bytes (printable ASCII, checked by the caller);
 *   params: Float64Array [minTs, maxTs, maxName, maxKey, maxValue, maxDims];
 *   the cache tables: Uint32Array keys (hi, lo per slot) and Int32Array index, previous ones or null.
 * Returns 0 (take the general path), -1 (not a snappy block this lane reads: let JavaScript decode),
 * or { samples, points, stale, strings, record, metrics }.
 */
napi_value RemoteWrite(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc != 8) {
    napi_throw_type_error(env, nullptr, "remoteWrite takes 8 arguments");
    return nullptr;
  }
  void* body;
  size_t bodyLength;
  void* tenant;
  size_t tenantLength;
  double maxDecoded;
  void* params;
  size_t paramCount;
  Input in{};
  bool isBuffer = false;
  if (napi_is_buffer(env, argv[0], &isBuffer) != napi_ok || !isBuffer || napi_get_buffer_info(env, argv[0], &body, &bodyLength) != napi_ok ||
      napi_get_value_double(env, argv[1], &maxDecoded) != napi_ok || napi_is_buffer(env, argv[2], &isBuffer) != napi_ok || !isBuffer ||
      napi_get_buffer_info(env, argv[2], &tenant, &tenantLength) != napi_ok || !typedArray(env, argv[3], napi_float64_array, &params, &paramCount) ||
      paramCount != 6 || !table(env, argv[4], argv[5], in.current) || !table(env, argv[6], argv[7], in.previous) || in.current.keys == nullptr) {
    napi_throw_type_error(env, nullptr, "remoteWrite: bad arguments");
    return nullptr;
  }
  const double* p = static_cast<const double*>(params);
  in.tenant = static_cast<const uint8_t*>(tenant);
  in.tenantLength = tenantLength;
  in.minTs = p[0];
  in.maxTs = p[1];
  in.maxName = size_t(p[2]);
  in.maxKey = size_t(p[3]);
  in.maxValue = size_t(p[4]);
  in.maxDims = size_t(p[5]);

  Scratch& s = scratch;
  size_t rawLength = 0;
  if (!unsnappy(static_cast<const uint8_t*>(body), bodyLength, maxDecoded < 0 ? 0 : size_t(maxDecoded), s.raw, rawLength)) return number(env, -1);
  uint32_t stale;
  try {
    stale = scan(s.raw.data(), rawLength, in, s);
  } catch (const Bail&) {
    return number(env, 0);
  }

  // The Native block: column count, row count, then per column its name, type and values.
  const size_t rows = s.tsCol.size();
  uint8_t head[16];
  size_t headLength = putVarint(head, 4);
  headLength += putVarint(head + headLength, rows);
  size_t size = headLength + 32 * rows;
  for (const auto& h : HEADERS) size += 2 + std::strlen(h[0]) + std::strlen(h[1]);
  void* blockData;
  napi_value block;
  CHECK(napi_create_buffer(env, size, &blockData, &block));
  uint8_t* o = static_cast<uint8_t*>(blockData);
  std::memcpy(o, head, headLength);
  o += headLength;
  const void* columns[4] = {s.metricCol.data(), s.seriesCol.data(), s.tsCol.data(), s.valueCol.data()};
  for (int c = 0; c < 4; c++) {
    for (int side = 0; side < 2; side++) {
      const size_t l = std::strlen(HEADERS[c][side]);
      *o++ = uint8_t(l);
      std::memcpy(o, HEADERS[c][side], l);
      o += l;
    }
    if (rows > 0) std::memcpy(o, columns[c], 8 * rows);
    o += 8 * rows;
  }

  napi_value strings, metrics, record, out;
  void* stringsData;
  CHECK(napi_create_buffer(env, s.strings.size(), &stringsData, &strings));
  if (!s.strings.empty()) std::memcpy(stringsData, s.strings.data(), s.strings.size());
  // Per metric: name start and end in `strings`, earliest and latest timestamp.
  void* metricData;
  napi_value metricBuffer;
  CHECK(napi_create_arraybuffer(env, s.metrics.size() * 32, &metricData, &metricBuffer));
  double* md = static_cast<double*>(metricData);
  for (const Metric& m : s.metrics) {
    *md++ = m.start;
    *md++ = m.end;
    *md++ = m.earliest;
    *md++ = m.latest;
  }
  CHECK(napi_create_typedarray(env, napi_float64_array, s.metrics.size() * 4, metricBuffer, 0, &metrics));
  record = copyUint32(env, s.record);
  if (record == nullptr) return nullptr;
  CHECK(napi_create_object(env, &out));
  CHECK(napi_set_named_property(env, out, "samples", block));
  CHECK(napi_set_named_property(env, out, "points", number(env, double(rows))));
  CHECK(napi_set_named_property(env, out, "stale", number(env, stale)));
  CHECK(napi_set_named_property(env, out, "strings", strings));
  CHECK(napi_set_named_property(env, out, "record", record));
  CHECK(napi_set_named_property(env, out, "metrics", metrics));
  return out;
}

}  // namespace

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  if (napi_create_function(env, "remoteWrite", NAPI_AUTO_LENGTH, RemoteWrite, nullptr, &fn) != napi_ok) return nullptr;
  if (napi_set_named_property(env, exports, "remoteWrite", fn) != napi_ok) return nullptr;
  return exports;
}
