// YAML files imported `with { type: 'text' }`: esbuild inlines their text into the bundle.
declare module '*.yaml' {
  const text: string;
  export default text;
}
