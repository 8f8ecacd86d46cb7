/** One sample of Prometheus's text format: its labels and value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Every sample of metric `name` in a scrape. */
export function samples(text: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const braces = line.startsWith(`${name}{`);
    const labelText = braces ? line.slice(name.length + 1, line.lastIndexOf('}')) : '';
    const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    out.push({ labels, value: Number(line.slice(line.lastIndexOf(' ') + 1)) });
  }
  return out;
}

/** The value of the sample of `name` with exactly these labels, or undefined. */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  return samples(text, name).find(
    (s) => Object.keys(s.labels).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}
