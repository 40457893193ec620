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

  it('names a bracket never closed, leads with plain words and keeps the parser detail after them', () => {
    expect(fhirPathSyntaxProblem("timeline.where(key='x'.time")).toBe(
      "is not a valid FHIRPath expression: the '(' at column 15 (near '…meline.where(key='x'.tim…') is never closed (parser said: Cant consume unknown more tokens.)",
    );
  });

  it('names a quote never closed', () => {
    expect(fhirPathSyntaxProblem("timeline.where(key='x).time")).toMatch(
      /^is not a valid FHIRPath expression: the quote ' at column 20 \(near '…e\.where\(key='x\)\.time'\) is never closed \(parser said: /,
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

  it('points near where the parser stopped when brackets and quotes pair up', () => {
    expect(fhirPathSyntaxProblem("timeline.where(key=='x').time")).toBe(
      "is not a valid FHIRPath expression: check brackets, quotes and operators near '…e.where(key=='x').time' (parser said: Parse error at \"=\" (line 1, column 19). No matching prefix parselet.); a time is usually written timeline.where(key='ed_arrival').time",
    );
    expect(fhirPathSyntaxProblem('+')).toMatch(
      /^is not a valid FHIRPath expression: check brackets, quotes and operators near '\+' \(parser said: Cant consume unknown more tokens\.\)/,
    );
  });
});

describe('fhirPathProblem', () => {
  it('reports syntax first, then unknown functions', () => {
    expect(fhirPathProblem("timeline.where(key='x'.time")).toMatch(
      /^is not a valid FHIRPath expression: the '\(' at column 15/,
    );
    expect(fhirPathProblem("timeline.whre(key='x').time")).toBe(
      'is not a usable FHIRPath expression (Unrecognized function: whre)',
    );
    expect(fhirPathProblem("timeline.where(key='x').time")).toBeUndefined();
  });
});
