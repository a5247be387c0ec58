/**
 * Public entry of `diffattn/io`: safetensors reading and writing and dtype conversions. It stays
 * browser-safe; Node code reads files with `readSafetensorsFile` from `./read-file.js`.
 */
export * from './safetensors.js';
