/** DescribeCertificates: the certificate authorities instances can name in CACertificateIdentifier. */
import type { ActionHandler } from '../context.js';
import { certificateNotFound } from '../errors.js';
import { DEFAULT_FEATURES, CERTIFICATE_AUTHORITIES } from '../instance-features.js';
import { markerXml, paginate } from '../paging.js';
import * as v from '../validate.js';
import { el } from '../xml.js';

/**
 * Every identifier RDS offers is listed, and each describes the emulator's own authority: it signs
 * every database whatever identifier the instance names, so a client that trusts what
 * DescribeCertificates reports (by thumbprint or validity) trusts exactly what the databases present.
 */
export const describeCertificates: ActionHandler = (ctx, params) => {
  const max = v.maxRecords(params.integer('MaxRecords'));
  const wanted = params.string('CertificateIdentifier')?.toLowerCase();
  const ids = Object.keys(CERTIFICATE_AUTHORITIES).sort();
  if (wanted !== undefined && !ids.includes(wanted)) throw certificateNotFound(wanted);
  const page = paginate(ids, params.string('Marker'), max, (id) => wanted === undefined || id === wanted);
  const ca = ctx.authority;
  let xml = '<Certificates>';
  for (const id of page.keys) {
    xml +=
      '<Certificate>' +
      el('CertificateIdentifier', id) +
      el('CertificateType', 'CA') +
      el('Thumbprint', ca.thumbprint) +
      el('ValidFrom', ca.validFrom) +
      el('ValidTill', ca.validTill) +
      el('CertificateArn', ctx.arns.of('cert', id)) +
      // No ModifyCertificates here: the account never overrides the default.
      el('CustomerOverride', false) +
      '</Certificate>';
  }
  return `${xml}</Certificates>${el('DefaultCertificateForNewLaunches', DEFAULT_FEATURES.caCertificateIdentifier)}${markerXml(page.nextMarker)}`;
};
