// A minimal ONNX model encoder: just enough of onnx.proto to describe small float32 inference graphs
// (fixed-shape inputs and outputs, initializers, INT and INTS attributes) without shipping .onnx files.
//
// Protobuf wire format in brief: a message is a sequence of fields; each field starts with a varint
// key (fieldNumber << 3 | wireType) followed by the value. Wire type 0 = varint (int32/int64/enum),
// 2 = length-delimited (string, bytes, sub-message, packed array). Field numbers are those of the
// ONNX schema (onnx/onnx.proto); each message's numbers are listed next to its encoder.

/** TensorProto.DataType.FLOAT: the only element type the benchmark graphs use. */
const FLOAT = 1;

/** Version numbers written into the model: IR version 8 (ONNX 1.10+), default-domain opset 17. */
const IR_VERSION = 8;
const OPSET = 17;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const utf8 = new TextEncoder();

/**
 * Collects the bytes of one message. Sub-messages are encoded into their own Writer first, since a
 * length-delimited field needs its byte length before its content.
 */
class Writer {
  constructor() {
    this.chunks = [];
    this.length = 0;
  }

  push(bytes) {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /** Unsigned LEB128. Negative int64 values go out as their 64-bit two's complement (10 bytes), as protobuf requires. */
  varint(value) {
    let v = BigInt.asUintN(64, BigInt(value));
    const out = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  key(field, wireType) {
    this.varint((field << 3) | wireType);
  }

  /** A varint field (int32, int64 or enum). */
  int(field, value) {
    this.key(field, WIRE_VARINT);
    this.varint(value);
  }

  /** A length-delimited field holding raw bytes. */
  bytes(field, bytes) {
    this.key(field, WIRE_LEN);
    this.varint(bytes.length);
    this.push(bytes);
  }

  string(field, text) {
    this.bytes(field, utf8.encode(text));
  }

  /** A sub-message field: `encode` fills a fresh Writer with the sub-message's fields. */
  message(field, encode) {
    const sub = new Writer();
    encode(sub);
    this.bytes(field, sub.finish());
  }

  finish() {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

// TypeProto.tensor_type = 1; TypeProto.Tensor: elem_type = 1, shape = 2;
// TensorShapeProto.dim = 1; TensorShapeProto.Dimension.dim_value = 1.
function writeFloatTensorType(w, dims) {
  w.message(1, (tensorType) => {
    tensorType.int(1, FLOAT);
    tensorType.message(2, (shape) => {
      for (const d of dims) shape.message(1, (dim) => dim.int(1, d));
    });
  });
}

// ValueInfoProto: name = 1, type = 2.
function writeValueInfo(w, { name, dims }) {
  w.string(1, name);
  w.message(2, (type) => writeFloatTensorType(type, dims));
}

// TensorProto: dims = 1 (repeated, unpacked in the schema), data_type = 2, name = 8, raw_data = 9.
// raw_data holds the elements little-endian, which is how typed arrays lay them out on x86 and ARM.
function writeTensor(w, { name, dims, data }) {
  for (const d of dims) w.int(1, d);
  w.int(2, FLOAT);
  w.string(8, name);
  w.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

// AttributeProto: name = 1, i = 3, ints = 8 (repeated, unpacked), type = 20 (INT = 2, INTS = 7).
function writeAttribute(w, name, value) {
  w.string(1, name);
  if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, 7);
  } else if (Number.isInteger(value)) {
    w.int(3, value);
    w.int(20, 2);
  } else {
    throw new TypeError(`attribute ${name}: only integers and integer lists are supported`);
  }
}

// NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.
function writeNode(w, { op, inputs, outputs, attrs, name }) {
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, name);
  w.string(4, op);
  for (const [key, value] of Object.entries(attrs)) w.message(5, (a) => writeAttribute(a, key, value));
}

/**
 * Builds a graph step by step and encodes it as a ModelProto.
 *
 *   const g = new GraphBuilder('gemm');
 *   const a = g.input('A', [m, k]);
 *   const b = g.constant('B', [k, n], weights);
 *   g.output(g.node('MatMul', [a, b]), [m, n]);
 *   const bytes = g.toModel();   // Uint8Array for ort.InferenceSession.create
 *
 * node() returns the name of its (first) output, so graphs read like expressions.
 */
export class GraphBuilder {
  constructor(name) {
    this.name = name;
    this.inputs = [];
    this.outputs = [];
    this.initializers = [];
    this.nodes = [];
  }

  /** Declares a float graph input with a fixed shape; returns its name. */
  input(name, dims) {
    this.inputs.push({ name, dims });
    return name;
  }

  /** Adds a float initializer (Float32Array, row-major); returns its name. */
  constant(name, dims, data) {
    const count = dims.reduce((a, b) => a * b, 1);
    if (data.length !== count) throw new RangeError(`${name}: ${data.length} values for shape [${dims}]`);
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** Adds a node; returns its outputs' names (one string if `outputCount` is 1). */
  node(op, inputs, attrs = {}, outputCount = 1) {
    const name = `${op.toLowerCase()}_${this.nodes.length}`;
    const outputs = Array.from({ length: outputCount }, (_, i) => (outputCount === 1 ? name : `${name}_${i}`));
    this.nodes.push({ op, inputs, outputs, attrs, name });
    return outputCount === 1 ? outputs[0] : outputs;
  }

  /** Marks a value as a float graph output with the given shape. */
  output(name, dims) {
    this.outputs.push({ name, dims });
  }

  // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8
  // (OperatorSetIdProto: domain = 1, version = 2; an absent domain means the default "ai.onnx").
  // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
  toModel() {
    const model = new Writer();
    model.int(1, IR_VERSION);
    model.string(2, 'diffattn-bench-peers');
    model.message(7, (graph) => {
      for (const n of this.nodes) graph.message(1, (w) => writeNode(w, n));
      graph.string(2, this.name);
      for (const t of this.initializers) graph.message(5, (w) => writeTensor(w, t));
      for (const v of this.inputs) graph.message(11, (w) => writeValueInfo(w, v));
      for (const v of this.outputs) graph.message(12, (w) => writeValueInfo(w, v));
    });
    model.message(8, (opset) => opset.int(2, OPSET));
    return model.finish();
  }
}
