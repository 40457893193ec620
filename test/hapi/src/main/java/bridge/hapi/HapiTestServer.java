package bridge.hapi;

import ca.uhn.fhir.rest.server.RestfulServer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.data.jpa.JpaRepositoriesAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration;
import org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;

/**
 * Entry point of the interop test server: a HAPI FHIR JPA server (R4, H2 in memory) whose
 * REST servlet answers under {@code /fhir}. The port comes from {@code server.port}
 * (environment {@code HAPI_PORT}, default 8091).
 *
 * <p>Spring Boot's own JPA set-up is excluded: HAPI builds its entity manager factory
 * itself ({@link JpaServerConfig}) and schedules its jobs without Boot's Quartz wiring.
 * Boot's Elasticsearch and Thymeleaf auto-configuration would otherwise wake up only
 * because HAPI's jars are on the class path.
 */
@SpringBootApplication(
		exclude = {
			HibernateJpaAutoConfiguration.class,
			JpaRepositoriesAutoConfiguration.class,
			QuartzAutoConfiguration.class,
			// HAPI's jars bring these clients along; the test server uses neither.
			ElasticsearchClientAutoConfiguration.class,
			ElasticsearchRestClientAutoConfiguration.class,
			ThymeleafAutoConfiguration.class
		})
public class HapiTestServer {

	public static void main(String[] args) {
		SpringApplication.run(HapiTestServer.class, args);
	}

	/** Mounts the FHIR REST servlet at {@code /fhir/*}, started eagerly so the first request is not slow. */
	@Bean
	public ServletRegistrationBean<RestfulServer> fhirServletRegistration(RestfulServer fhirServer) {
		ServletRegistrationBean<RestfulServer> registration = new ServletRegistrationBean<>(fhirServer, "/fhir/*");
		registration.setLoadOnStartup(1);
		return registration;
	}
}
