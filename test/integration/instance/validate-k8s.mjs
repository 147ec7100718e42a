// Validates Kubernetes objects against the API schema (kubernetes-models, an ES module that jest's
// CommonJS runtime cannot load). Reads a JSON array on stdin; prints a JSON array of
// {kind, name, errors} for every object, errors null when valid.
import { stdin, stdout } from 'node:process';

const chunks = [];
for await (const chunk of stdin) chunks.push(chunk);
const objects = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const results = [];
for (const object of objects) {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['v1', object.apiVersion];
  const path =
    group === 'v1' && version === 'v1' ? `v1/${object.kind}` : `${group}/${version}/${object.kind}`;
  const name = object.metadata?.name ?? '';
  try {
    const module = await import(`kubernetes-models/${path}`);
    const Model = module[object.kind];
    new Model(object).validate();
    results.push({ kind: object.kind, name, errors: null });
  } catch (error) {
    results.push({ kind: object.kind, name, errors: String(error.message ?? error) });
  }
}
stdout.write(JSON.stringify(results));
