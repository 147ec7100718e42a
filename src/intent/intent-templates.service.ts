import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-error';
import { IntentTemplateList, toTemplateList } from './dto/intent-template.response';
import catalogDocument from './templates/intent-templates.v1.json';
import { IntentTemplate, parseCatalog, TemplateCatalog } from './templates/template-catalog';

export const INTENT_TEMPLATE_CATALOG = Symbol('INTENT_TEMPLATE_CATALOG');

/** The catalog shipped with this version, checked once at start-up (a bad catalog stops the app). */
export const templateCatalogProvider = {
  provide: INTENT_TEMPLATE_CATALOG,
  useFactory: (): TemplateCatalog => parseCatalog(catalogDocument),
};

@Injectable()
export class IntentTemplatesService {
  constructor(@Inject(INTENT_TEMPLATE_CATALOG) private readonly catalog: TemplateCatalog) {}

  list(): IntentTemplateList {
    return toTemplateList(this.catalog);
  }

  find(userLabel: string): IntentTemplate {
    const template = this.catalog.templates.find((t) => t.user_label === userLabel);
    if (!template) throw new NotFoundError('intent_template', userLabel);
    return template;
  }
}
