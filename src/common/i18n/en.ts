import type { Messages } from '../i18n';

/** Labels of the item fields of the complaint form, rows 1–5, for the error summary. */
function itemFieldLabels(): Messages {
  const out: Messages = {};
  for (let i = 0; i < 5; i++) {
    out[`field.items.${i}.articleUrl`] = `Item ${i + 1}: article URL`;
    out[`field.items.${i}.kind`] = `Item ${i + 1}: scope`;
    out[`field.items.${i}.detail`] = `Item ${i + 1}: image or passage`;
  }
  return out;
}

export const EN: Messages = {
  // Key builders for templates (Handlebars has no string concatenation); the same in every locale.
  'path.item': 'items.{i}.{f}',
  'path.fieldLabel': 'field.{f}',
  'path.basisLabel': 'basis.{b}.label',
  'path.basisHelp': 'basis.{b}.help',
  'path.basisNeeds': 'basis.{b}.needs',
  'path.stateLabel': 'state.{s}.label',
  'path.stateHelp': 'state.{s}.help',
  'path.itemKind': 'item.kind.{k}',

  'punct.colon': ': ',
  'site.name': 'Demo News',
  'site.desk': 'Rights complaints and reports',
  'lang.switch': '中文',
  'lang.switchLabel': '切换到中文',
  'nav.label': 'Main navigation',
  'nav.home': 'Home',
  'nav.report': 'Report a problem',
  'skip.toContent': 'Skip to main content',
  'footer.contact': 'Complaints and contact',
  'footer.free': 'Handling is free of charge. We never ask anyone to pay for a removal.',
  'footer.privacy':
    'Personal data you send is used only to handle your complaint and is shared with the author or source of the content only where needed.',
  'footer.copyright': '© Demo News · demonstration site',

  'page.home.title': 'Demo News · Home',
  'page.form.title': 'Submit a complaint · Demo News',
  'page.submitted.title': 'Complaint submitted · Demo News',
  'page.track.title': 'Complaint status',

  'home.heading': 'Latest news',
  'home.count': '{n} articles',
  'home.reportTitle': 'Found infringing or inaccurate content?',
  'home.reportText':
    'If an article or image on this site infringes your copyright, reputation, portrait or privacy rights, or you believe a report is inaccurate, you can file a complaint online. We check every complaint promptly, free of charge.',
  'home.reportCta': 'File a complaint',

  'article.breadcrumb': 'You are here',
  'article.published': 'Published',
  'article.source': 'Source',
  'article.imageRemoved': 'This image has been removed following a rights complaint.',
  'article.disclaimerTitle': 'Disclaimer',
  'article.report': 'Report this article',
  'article.reportHelp':
    'Does this article infringe your lawful rights, or is something in it wrong? File a complaint online, free of charge.',
  'article.related': 'Related news',

  'form.eyebrow': 'Rights complaints and reports',
  'form.heading': 'Submit a complaint',
  'form.intro.what':
    'Use this form if an article, image or passage on this site infringes your lawful rights (copyright, reputation, portrait, privacy and others), or if something in it is inaccurate and should be corrected.',
  'form.intro.freeTitle': 'Free of charge',
  'form.intro.free': 'Handling is free. Any request to “pay for a removal” does not come from us.',
  'form.intro.nextTitle': 'What happens next',
  'form.intro.next':
    'You get a case reference at once and an email with a private link to follow your case. After an editor has checked it, we tell you by email what we decided, why, and how to appeal.',
  'form.intro.privacyTitle': 'Your personal data',
  'form.intro.privacy':
    'We use your details only to handle this complaint, and share them with the author or source of the content only where needed (for example to forward a rights notice).',
  'form.intro.required': 'Fields marked “required” must be filled in; others depend on the type of complaint.',
  'form.required': 'required',
  'form.optional': 'optional',
  'form.errorItem': '{label}: {message}',
  'form.files.chooseAgain': 'For your security, browsers do not keep chosen files: please choose your files again.',

  'form.section.basis': 'Type of complaint',
  'form.section.basisHelp': 'Choose the one that fits best. The type decides which details we need.',
  'form.section.items': 'What you are reporting',
  'form.section.itemsHelp':
    'Name the article and whether you mean the whole article, an image in it or a passage. Up to 5 items per complaint.',
  'form.section.you': 'About you',
  'form.section.youHelp': 'We use these details to contact you. Please give your real identity.',
  'form.section.claim': 'Your complaint',
  'form.section.evidence': 'Evidence',
  'form.section.declarations': 'Declarations and signature',

  'form.basis.legend': 'What is your complaint about?',
  'form.evidence.label': 'Upload evidence files',
  'form.item.legend': 'Item',
  'form.item.articleUrl': 'Article URL',
  'form.item.remove': 'Remove this item',
  'form.item.add': 'Add an item',
  'form.item.maxReached': 'You can add up to 5 items.',
  'form.item.urlHint': 'Paste the article’s URL, or type a few words to pick one of our articles.',
  'form.item.kind': 'What in the article',
  'form.item.image': 'The image',
  'form.item.imageHint': 'Pick the image in that article.',
  'form.item.imageChoose': 'Choose an image',
  'form.item.noImages': 'This article has no images.',
  'form.item.detail': 'Quoted passage or note',
  'form.item.detailHint': 'For a passage, quote it in full. For a whole article you may leave this empty.',
  'form.item.detailRequiredFor': 'required for “a passage”',
  'form.item.matched': 'Recognised: {title}',

  'form.name.hint':
    'Your real full name. For an organisation, the name of the person filing; give the organisation below.',
  'form.email.hint': 'We send the receipt and our decision to this address.',
  'form.phone.hint': 'Only used if we need to check something with you.',
  'form.address.hint': 'For formal correspondence.',
  'form.onBehalf.hint': 'For example a lawyer, agent or company representative.',
  'form.actingFor.hint': 'Name of the rights holder you represent.',
  'form.authorisation.hint':
    'Letter of authorisation (PDF or image, one file, up to {max} MB). Required when filing for someone else.',
  'form.originalWork.descriptionHint':
    'For example: title, author and first publication of the work; or details of the photograph.',
  'form.originalWork.urlHint': 'Where the original was first published or can be seen now (if any).',
  'form.explanation.hint':
    'Explain how your rights are infringed. For an inaccuracy: which statement is wrong, what the facts are, and how you know.',
  'form.evidence.hint': 'Up to {n} files, {max} MB each: PDF, JPG, PNG or WebP.',
  'form.evidence.what':
    'For example: a copyright registration, the original file, proof of identity, other reports or a judgment.',
  'form.evidence.selected': '{n} file(s) chosen',
  'form.evidence.tooMany': 'You can upload at most {max} files.',
  'form.evidence.tooLarge': '“{name}” is larger than {max} MB.',
  'form.signature.hint': 'Type your full name as your electronic signature.',
  'form.declaration.truthful':
    'I confirm that the information above is true and accurate. I understand that a wrongful notice that causes loss to others may make me liable.',
  'form.declaration.goodFaith':
    'I have a good-faith belief that the use of the material is not authorised by the rights holder, its agent or the law, or that the content is illegal.',
  'form.declaration.perjury':
    'Under penalty of perjury, I state that the information in this notice is accurate and that I am the rights holder or authorised to act on its behalf.',
  'form.submit': 'Submit complaint',
  'form.submitting': 'Submitting…',
  'form.submitNote': 'You will see your case reference next and receive a confirmation email.',

  'req.copyright': 'required for copyright and DMCA',
  'req.copyrightOnly': 'required for copyright',
  'req.evidence': 'required for copyright and personal rights; optional otherwise',
  'req.dmca': 'required for DMCA',
  'req.dmcaDsa': 'required for DMCA and DSA',
  'req.agent': 'required when filing for someone else',

  'field.legalBasis': 'Type of complaint',
  'field.complainant': 'About you',
  'field.complainant.name': 'Full name',
  'field.complainant.email': 'Email',
  'field.complainant.phone': 'Phone',
  'field.complainant.address': 'Postal address',
  'field.complainant.organisation': 'Organisation',
  'field.complainant.actingFor': 'Acting for',
  'field.onBehalf': 'I am filing for someone else (the rights holder)',
  'field.authorisation': 'Letter of authorisation',
  'field.originalWork': 'Original work',
  'field.originalWork.description': 'The original work',
  'field.originalWork.url': 'Where the original is',
  'field.explanation': 'Explanation',
  'field.signature': 'Signature',
  'field.evidence': 'Evidence',
  'field.declarations': 'Declarations',
  'field.declarations.truthful': 'Accuracy statement',
  'field.declarations.goodFaith': 'Good-faith statement',
  'field.declarations.perjury': 'Statement under penalty of perjury',
  'field.items': 'What you are reporting',
  'field._csrf': 'Form',
  'field.body': 'Form',
  'field.locale': 'Language',
  'field.idempotencyKey': 'Form',
  ...itemFieldLabels(),

  'basis.cn-copyright.label': 'Copyright (right of communication over networks)',
  'basis.cn-copyright.help':
    'Your article, photo or other work was published here without permission. Under China’s Regulations on the Right of Communication through Information Networks.',
  'basis.cn-copyright.needs': 'Also needed: postal address, the original work, preliminary proof of ownership.',
  'basis.cn-personal-rights.label': 'Personal rights (reputation, portrait, privacy)',
  'basis.cn-personal-rights.help':
    'A report harms your reputation, uses your image without consent or discloses your private life. Under China’s Civil Code.',
  'basis.cn-personal-rights.needs': 'Also needed: your real identity, preliminary evidence.',
  'basis.us-dmca.label': 'US DMCA copyright notice',
  'basis.us-dmca.help':
    'A notice of copyright infringement under the US Digital Millennium Copyright Act (17 U.S.C. § 512).',
  'basis.us-dmca.needs':
    'Also needed: postal address, phone, the original work, signature, good-faith and perjury statements.',
  'basis.eu-dsa.label': 'EU DSA notice of illegal content',
  'basis.eu-dsa.help': 'Report content you consider illegal, under Article 16 of the EU Digital Services Act.',
  'basis.eu-dsa.needs': 'Also needed: a good-faith statement.',
  'basis.accuracy.label': 'Inaccuracy / correction request',
  'basis.accuracy.help':
    'You believe something in a report is wrong and want us to check and correct it. This is not a rights claim.',
  'basis.accuracy.needs': 'In the explanation, say which statement is wrong and why.',

  'item.kind.article': 'The whole article',
  'item.kind.image': 'An image in it',
  'item.kind.passage': 'A passage in it',

  'validation.required': 'This field is required',
  'validation.email': 'Enter a valid email address',
  'validation.maxLength': 'At most {max} characters',
  'validation.url': 'Enter a URL starting with http:// or https://',
  'validation.unknownArticle': 'This URL is not one of our articles: pick one from the list or paste its address',
  'validation.unknownImage': 'Pick an image of that article',
  'validation.passageRequired': 'Quote the passage concerned',
  'validation.fileType': 'Only PDF, JPEG, PNG or WebP files are accepted (checked by their content)',
  'validation.fileSize': 'Each file must be at most {max} MB',
  'validation.fileCount': 'Upload at most {max} files',
  'validation.declaration': 'You must confirm this statement',
  'validation.authorisationRequired': 'When filing for someone else, attach the letter of authorisation',
  'validation.itemsRequired': 'Name at least one item (an article URL)',
  'validation.maxItems': 'Too many items',
  'validation.invalid': 'This value is not valid',
  'validation.csrf': 'The form has expired. Please check your entries and submit again.',
  'validation.summary': 'Please correct {n} fields',

  'submitted.heading': 'Complaint submitted',
  'submitted.lead': 'We have received your complaint. Please note the case reference and quote it when you contact us.',
  'submitted.reference': 'Case reference',
  'submitted.copy': 'Copy',
  'submitted.copied': 'Copied',
  'submitted.duplicate':
    'You already filed a complaint about the same article (reference {ref}) and it is still open. This submission has been joined to it; there is no need to file again.',
  'submitted.duplicateNoRef':
    'You already filed a complaint about the same article and it is still open. This submission has been joined to it.',
  'submitted.trackingTitle': 'Your tracking link',
  'submitted.trackingText': 'Use this link to see where your case stands at any time.',
  'submitted.trackingOpen': 'See the status of your case',
  'submitted.trackingPrivate':
    'Keep this link private and do not forward or publish it: anyone who has it can see the status of your case.',
  'submitted.emailSent':
    'We have also sent the reference and this link to {email}. If it has not arrived within a few minutes, check your spam folder.',
  'submitted.nextTitle': 'What happens next',
  'submitted.next1Title': 'Confirmation',
  'submitted.next1': 'Within a few minutes you receive a confirmation email.',
  'submitted.next2Title': 'Review',
  'submitted.next2':
    'An editor checks your complaint and evidence. If we need more, we email you saying exactly what is missing.',
  'submitted.next3Title': 'Decision',
  'submitted.next3':
    'We email you what we decided, why, and how to appeal if you disagree. Handling is free of charge throughout.',

  'track.heading': 'Complaint status',
  'track.statusTitle': 'Current status',
  'track.reference': 'Case reference',
  'track.basis': 'Type of complaint',
  'track.receivedAt': 'Received',
  'track.items': 'What you reported',
  'track.timeline': 'History',
  'track.timelineEmpty': 'Nothing yet.',
  'track.private': 'This page is for the complainant only. Please do not forward its link.',
  'track.contact': 'Questions? Email {email} and quote your case reference.',
  'track.contactNoEmail': 'Questions? Reply to the confirmation email and quote your case reference.',

  'state.received.label': 'Received',
  'state.received.help': 'We have received your complaint; it is waiting for an editor to review it.',
  'state.in_review.label': 'In review',
  'state.in_review.help': 'An editor is checking your complaint and evidence.',
  'state.needs_info.label': 'Information needed',
  'state.needs_info.help': 'We need more information from you; we have emailed you what is missing.',
  'state.escalated.label': 'Escalated',
  'state.escalated.help': 'The case has gone to our legal lead for a decision; we will tell you the outcome.',
  'state.actioned.label': 'Action taken',
  'state.actioned.help': 'We have acted on your complaint; the decision and our reasons are in your email.',
  'state.rejected.label': 'Not upheld',
  'state.rejected.help':
    'After review we could not uphold your complaint. Our reasons and how to appeal are in your email.',
  'state.duplicate.label': 'Duplicate',
  'state.duplicate.help':
    'You already filed a complaint about the same article and it is still open; this one was joined to it.',
  'state.not_processed.label': 'Not processed',
  'state.not_processed.help': 'This complaint will not be processed. Email us if you have questions.',
  'state.counter_notice_review.label': 'Counter-notice in review',
  'state.counter_notice_review.help':
    'The provider of the content has filed a counter-notice saying it does not infringe; we are reviewing it.',
  'state.restoration_pending.label': 'Restoration pending',
  'state.restoration_pending.help':
    'The counter-notice is valid. The content will be restored unless you tell us in time that you have gone to court or to an authority.',
  'state.litigation_hold.label': 'On hold pending proceedings',
  'state.litigation_hold.help':
    'You have told us of legal proceedings; the content stays removed until they are decided.',
  'state.restored.label': 'Restored',
  'state.restored.help': 'The content has been restored. You may appeal within the deadline if you disagree.',
  'state.appeal_review.label': 'Appeal in review',
  'state.appeal_review.help': 'The appeal is being reviewed by someone who took no part in the decision appealed.',
  'state.withdrawn.label': 'Withdrawn',
  'state.withdrawn.help': 'This complaint has been withdrawn.',
  'state.closed.label': 'Closed',
  'state.closed.help': 'This case is closed.',

  'timeline.complaint.received': 'Complaint received, reference {reference}',
  'timeline.complaint.duplicate': 'Complaint received and joined to your earlier complaint that is still open',
  'timeline.complaint.transition': 'Case status updated',
  'timeline.mail.sent': 'Email notification sent',

  'error.heading': 'Something went wrong',
  'error.400': 'Invalid request',
  'error.400.help': 'We could not understand the request. Please go back and try again.',
  'error.403': 'Access denied',
  'error.403.help': 'You may not open this page, or the form has expired.',
  'error.404': 'Page not found',
  'error.404.help': 'The page you asked for does not exist or has been removed. Check that the address is complete.',
  'error.413': 'File too large',
  'error.413.help': 'An uploaded file is over the size limit. Each file can be at most 10 MB.',
  'error.429': 'Too many requests',
  'error.429.help': 'Too many submissions in a short time. Please try again later.',
  'error.500': 'Service temporarily unavailable',
  'error.500.help': 'Something went wrong on our side. Please try again later; if it is urgent, email us.',
  'error.details': 'Technical details',
  'error.home': 'Back to the home page',
  'error.report': 'Report a problem',
  'track.answer.title': 'We need more information from you',
  'track.answer.intro': 'The reviewer asks you for the following. Please answer here; you may attach files:',
  'track.answer.by': 'Please answer by this date; after it the case may be closed:',
  'track.answer.label': 'Your answer',
  'track.answer.files': 'Additional files (optional)',
  'track.answer.submit': 'Send my answer',
  'track.answer.thanks': 'We have your answer; the case is back with the reviewer.',
  'timeline.complaint.answered': 'You sent the information requested',
};
