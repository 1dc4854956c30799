import { expect } from "chai";
import { generatePatientBundles } from "../../fixtures/generate";
import { FhirValidationError } from "../../../sdk/fhir";
import { PARALLEL_THRESHOLD_BYTES, prepareInParallel, prepareRecords } from "../../../sdk/records";

const utf8 = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("sdk/records prepareInParallel: validation and splitting on worker threads", function () {
  this.timeout(120_000);

  it("gives the same records, byte for byte, as preparing in this thread; reports every invalid input by position", async () => {
    const inputs = generatePatientBundles({ seed: 3, patients: 30 }).map(utf8);
    const broken = JSON.parse(new TextDecoder().decode(inputs[5])) as { entry: { resource: { resourceType: string; status?: string } }[] };
    const observation = broken.entry.find((e) => e.resource.resourceType === "Observation")!;
    delete observation.resource.status;
    inputs[5] = utf8(broken);
    inputs[9] = new TextEncoder().encode("{ not json");
    const seen: number[] = [];
    // minParallelBytes 0: workers run whatever the size (by default only from PARALLEL_THRESHOLD_BYTES on).
    expect(inputs.reduce((n, input) => n + input.length, 0)).to.be.lessThan(PARALLEL_THRESHOLD_BYTES);
    const outcomes = await prepareInParallel(inputs, { concurrency: 2, minParallelBytes: 0, onPrepared: (index) => seen.push(index) });
    expect(outcomes).to.have.length(inputs.length);
    expect(seen.sort((a, b) => a - b)).to.deep.equal(inputs.map((_, i) => i).filter((i) => i !== 5 && i !== 9));
    outcomes.forEach((outcome, index) => {
      if (index === 5 || index === 9) {
        expect(outcome).to.have.property("error").that.is.instanceOf(FhirValidationError);
        return;
      }
      if (!("records" in outcome)) expect.fail(`input ${index} failed`);
      if (index % 5 !== 0) return; // a sample is compared, to keep the test short
      const local = prepareRecords(inputs[index]);
      expect(outcome.records.map((r) => [r.kind, r.encounter, Buffer.from(r.plaintext).toString("hex")])).to.deep.equal(
        local.map((r) => [r.kind, r.encounter, Buffer.from(r.plaintext).toString("hex")]),
      );
    });
    const five = outcomes[5] as { error: FhirValidationError };
    expect(five.error.issues.some((issue) => /status/.test(issue.path))).to.equal(true);
    expect((outcomes[9] as { error: FhirValidationError }).error.issues[0].message).to.match(/^Invalid JSON at position 2/);
  });
});
