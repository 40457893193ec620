import { fhirPathProblem } from '../../../../src/mapping/check/fhirpath-syntax';
import { fhirPathSyntaxProblem } from '../../../../src/mapping/check/fhirpath-syntax';

describe('fhirPathSyntaxProblem', () => {
  it.each([
    ["timeline.where(key='ed_arrival').time"],
    ["timeline.where(key='it\\'s (odd)').time"],
    ['`odd name`.where(key = {}).time'],
    ["timeline.where(key='a').time | timeline.where(key='b').time"],
  ])('accepts %s', (expression) => {
    expect(fhirPathSyntaxProblem(expression)).toBeUndefined();
  });

  it("names a bracket never closed in plain words, without the parser's jargon", () => {
    expect(fhirPathSyntaxProblem("timeline.where(key='x'.time")).toBe(
      "is not a valid FHIRPath expression: the '(' at column 15 (near '…meline.where(key='x'.tim…') is never closed",
    );
  });

  it('names a quote never closed', () => {
    expect(fhirPathSyntaxProblem("timeline.where(key='x).time")).toBe(
      "is not a valid FHIRPath expression: the quote ' at column 20 (near '…e.where(key='x).time') is never closed",
    );
  });

  it('rejects a surplus closing bracket, which the parser accepts and cuts the rest off at', () => {
    expect(fhirPathSyntaxProblem("timeline.where(key='x')).time")).toBe(
      "is not a valid FHIRPath expression: the ')' at column 24 (near '…ere(key='x')).time') has no '(' before it: the parser would silently ignore everything after it",
    );
  });

  it('names a bracket closed by the wrong kind', () => {
    expect(fhirPathSyntaxProblem("timeline.where(key='x']")).toMatch(
      /the '\(' at column 15 .* is closed by '\]' at column 23; it needs '\)'/,
    );
  });

  it('names the unexpected character and points near where the parser stopped when brackets and quotes pair up', () => {
    expect(fhirPathSyntaxProblem("timeline.where(key=='x').time")).toBe(
      "is not a valid FHIRPath expression: an unexpected '=' near '…e.where(key=='x').time'; check brackets, quotes and operators there; a time is usually written timeline.where(key='ed_arrival').time",
    );
  });

  it("says an expression that stops too early does, instead of the parser's 'Cant consume unknown more tokens'", () => {
    for (const expression of ['+', 'patient_type = ', "timeline.where(key='x').time +"]) {
      const problem = fhirPathSyntaxProblem(expression) ?? '';
      expect(problem).toMatch(/^is not a valid FHIRPath expression: it stops too early \(near '/);
      expect(problem).not.toMatch(/consume|token|parselet|parser/i);
    }
    expect(fhirPathSyntaxProblem('patient_type = ')).toBe(
      "is not a valid FHIRPath expression: it stops too early (near '…tient_type = '); something is missing at the end, such as the value after '=' or '+'; a time is usually written timeline.where(key='ed_arrival').time",
    );
  });
});

describe('fhirPathProblem', () => {
  it('reports syntax first, then unknown functions', () => {
    expect(fhirPathProblem("timeline.where(key='x'.time")).toMatch(
      /^is not a valid FHIRPath expression: the '\(' at column 15/,
    );
    expect(fhirPathProblem("timeline.whre(key='x').time")).toBe(
      "uses 'whre()', which is not a FHIRPath function — did you mean 'where()'?",
    );
    expect(fhirPathProblem("timeline.where(key='x').time.frist()")).toBe(
      "uses 'frist()', which is not a FHIRPath function — did you mean 'first()'?",
    );
    expect(fhirPathProblem('%channel.timeline')).toBe(
      "uses '%channel', which is not a variable known here; read the channel's fields by name, without '%' (e.g. patient_type)",
    );
    expect(fhirPathProblem("timeline.where(key='x').time")).toBeUndefined();
  });
});
