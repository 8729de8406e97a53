/**
 * The part of ONNX's protobuf schema (`onnx.proto`, IR version 8) the target writes, declared for
 * protobufjs, which does the encoding. Field numbers are the schema's; messages and fields the
 * target never sets are left out (protobuf readers skip what they do not know, and unset fields
 * are absent on the wire either way).
 */
import protobuf from 'protobufjs';

/** ONNX IR version 8 (onnx 1.10–1.12): what opset 17 models declare. */
export const IR_VERSION = 8;

/** The default domain's opset the target writes. */
export const OPSET = 17;

/** `TensorProto.DataType` values the target uses. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** `AttributeProto.AttributeType`. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            floatData: { rule: 'repeated', type: 'float', id: 4 },
            int32Data: { rule: 'repeated', type: 'int32', id: 5 },
            int64Data: { rule: 'repeated', type: 'int64', id: 7 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            docString: { type: 'string', id: 12 },
            externalData: { rule: 'repeated', type: 'StringStringEntryProto', id: 13 },
            dataLocation: { type: 'int32', id: 14 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        TensorTypeProto: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TypeProto: { fields: { tensorType: { type: 'TensorTypeProto', id: 1 } } },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 }, docString: { type: 'string', id: 3 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(SCHEMA);

/** A `TensorProto`: data inline (`rawData`, little-endian) or in a side file (`externalData`). */
export interface TensorMessage {
  name: string;
  dims: number[];
  dataType: DataTypeCode;
  rawData?: Uint8Array;
  externalData?: Array<{ key: string; value: string }>;
  /** 1 = EXTERNAL. */
  dataLocation?: number;
}

export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMessage;
  floats?: number[];
  ints?: number[];
}

export interface NodeMessage {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: AttributeMessage[];
  docString?: string;
}

export interface ValueInfoMessage {
  name: string;
  type: { tensorType: { elemType: DataTypeCode; shape: { dim: Array<{ dimValue: number } | { dimParam: string }> } } };
  docString?: string;
}

export interface ModelMessage {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  opsetImport: Array<{ domain: string; version: number }>;
  metadataProps?: Array<{ key: string; value: string }>;
  graph: {
    name: string;
    node: NodeMessage[];
    initializer: TensorMessage[];
    input: ValueInfoMessage[];
    output: ValueInfoMessage[];
    docString?: string;
  };
}

/** The serialized `ModelProto`. */
export function encodeModel(model: ModelMessage): Uint8Array {
  const type = root.lookupType('onnx.ModelProto');
  return type.encode(type.fromObject(model)).finish();
}

/** Reads a serialized model back (tests, and checking what was written). */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  const type = root.lookupType('onnx.ModelProto');
  return type.toObject(type.decode(bytes), { longs: Number, bytes: Array, defaults: false, arrays: true }) as unknown as ModelMessage;
}
