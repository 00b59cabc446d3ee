/**
 * A period's first and last day, as two `date` fields (`YYYY-MM-DD`, "" for
 * none): neither lets a day be picked past the other.
 */
export function DateRange({
  from,
  to,
  onChange,
  labels,
  testIds,
  className,
}: {
  from: string;
  to: string;
  onChange: (from: string, to: string) => void;
  /** The fields' names: the first day's and the last's. */
  labels: [string, string];
  testIds: [string, string];
  /** Each field's label element's class. */
  className: string;
}) {
  const ends = [
    { value: from, limit: { max: to || undefined }, set: (day: string) => onChange(day, to) },
    { value: to, limit: { min: from || undefined }, set: (day: string) => onChange(from, day) },
  ];
  return (
    <>
      {ends.map((end, i) => (
        <label key={testIds[i]} className={className}>
          <span>{labels[i]}</span>
          <input
            type="date"
            data-testid={testIds[i]}
            value={end.value}
            {...end.limit}
            onChange={(e) => end.set(e.target.value)}
          />
        </label>
      ))}
    </>
  );
}
