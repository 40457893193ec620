package bridge.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.rest.server.interceptor.RequestValidatingInterceptor;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Validation of every incoming write against the FHIR R4 base definitions, as a strict
 * EHR would do: a resource with an ERROR issue is refused with 422 and an
 * OperationOutcome, before anything is stored.
 *
 * <p>Code systems the server does not know (a site's local systems such as
 * {@code https://…/CodeSystem/pulsara-timeline} or {@code urn:oid:…}) are accepted with a
 * warning: real EHRs carry such local codes, and the bridge's mapping uses them on purpose.
 */
@Configuration
public class RequestValidationConfig {

	/** The R4 base definitions plus in-memory terminology; no remote terminology server. */
	static ValidationSupportChain baseValidationSupport(FhirContext fhirContext) {
		UnknownCodeSystemWarningValidationSupport localCodeSystems =
				new UnknownCodeSystemWarningValidationSupport(fhirContext);
		localCodeSystems.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.WARNING);
		return new ValidationSupportChain(
				new DefaultProfileValidationSupport(fhirContext),
				new InMemoryTerminologyServerValidationSupport(fhirContext),
				new CommonCodeSystemsTerminologyService(fhirContext),
				new SnapshotGeneratingValidationSupport(fhirContext),
				localCodeSystems);
	}

	/** Refuses requests whose body has an ERROR (or FATAL) issue. */
	@Bean
	public RequestValidatingInterceptor requestValidatingInterceptor(FhirContext fhirContext) {
		FhirInstanceValidator validator = new FhirInstanceValidator(baseValidationSupport(fhirContext));
		// Profiles the server has not loaded (e.g. US Core) are reported, not fatal.
		validator.setErrorForUnknownProfiles(false);
		validator.setAnyExtensionsAllowed(true);

		RequestValidatingInterceptor interceptor = new RequestValidatingInterceptor();
		interceptor.addValidatorModule(validator);
		interceptor.setFailOnSeverity(ResultSeverityEnum.ERROR);
		interceptor.setAddResponseHeaderOnSeverity(null);
		return interceptor;
	}
}
